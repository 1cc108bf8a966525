function trap(height: number[]): number {
  // Write your solution here.
  return 0;
}
