function minWindow(s: string, t: string): string {
  // Write your solution here.
  return "";
}
