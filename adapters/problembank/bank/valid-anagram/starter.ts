function isAnagram(s: string, t: string): boolean {
  // Write your solution here.
  return false;
}
