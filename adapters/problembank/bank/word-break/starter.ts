function wordBreak(s: string, wordDict: string[]): boolean {
  // Write your solution here.
  return false;
}
