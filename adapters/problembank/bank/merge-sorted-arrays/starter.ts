function mergeSortedArrays(a: number[], b: number[]): number[] {
  // Write your solution here.
  return [];
}
