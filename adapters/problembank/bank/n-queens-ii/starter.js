/**
 * @param {number} n
 * @return {number}
 */
function totalNQueens(n) {
  // Write your solution here.
  return 0;
}
