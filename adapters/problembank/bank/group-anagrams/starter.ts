function groupAnagrams(words: string[]): string[][] {
  // Write your solution here.
  return [];
}
