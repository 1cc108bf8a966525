function twoSum(nums: number[], target: number): number[] {
  // Write your solution here.
  return [];
}
