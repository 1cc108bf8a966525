function lruCache(capacity: number, operations: string[], args: number[][]): number[] {
  // Write your solution here.
  return [];
}
