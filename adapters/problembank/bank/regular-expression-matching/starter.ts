function isMatch(s: string, p: string): boolean {
  // Write your solution here.
  return false;
}
