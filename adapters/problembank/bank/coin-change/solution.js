/**
 * @param {number[]} coins
 * @param {number} amount
 * @return {number}
 */
function coinChange(coins, amount) {
  const impossible = amount + 1;
  const fewest = new Array(amount + 1).fill(impossible); // fewest[a]: coins that make a
  fewest[0] = 0;
  for (let a = 1; a <= amount; a++) {
    for (const c of coins) {
      if (c <= a && fewest[a - c] + 1 < fewest[a]) fewest[a] = fewest[a - c] + 1;
    }
  }
  return fewest[amount] === impossible ? -1 : fewest[amount];
}
