function findMedianSortedArrays(nums1: number[], nums2: number[]): number {
  // Write your solution here.
  return 0;
}
