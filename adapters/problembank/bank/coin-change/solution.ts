function coinChange(coins: number[], amount: number): number {
  const impossible = amount + 1;
  const fewest: number[] = new Array(amount + 1).fill(impossible); // fewest[a]: coins that make a
  fewest[0] = 0;
  for (let a = 1; a <= amount; a++) {
    for (const c of coins) {
      if (c <= a && fewest[a - c] + 1 < fewest[a]) fewest[a] = fewest[a - c] + 1;
    }
  }
  return fewest[amount] === impossible ? -1 : fewest[amount];
}
