function totalNQueens(n: number): number {
  // Write your solution here.
  return 0;
}
