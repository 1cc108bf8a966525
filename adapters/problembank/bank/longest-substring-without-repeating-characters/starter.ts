function lengthOfLongestSubstring(s: string): number {
  // Write your solution here.
  return 0;
}
