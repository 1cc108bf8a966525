function totalNQueens(n: number): number {
  const full = (1 << n) - 1;
  // Row by row; the masks are the columns and diagonals attacked in the current row.
  function place(cols: number, downLeft: number, downRight: number): number {
    if (cols === full) return 1;
    let count = 0;
    let free = full & ~(cols | downLeft | downRight);
    while (free !== 0) {
      const bit = free & -free;
      free ^= bit;
      count += place(cols | bit, ((downLeft | bit) << 1) & full, (downRight | bit) >> 1);
    }
    return count;
  }
  return place(0, 0, 0);
}
