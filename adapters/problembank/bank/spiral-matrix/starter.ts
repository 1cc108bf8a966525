function spiralOrder(matrix: number[][]): number[] {
  // Write your solution here.
  return [];
}
