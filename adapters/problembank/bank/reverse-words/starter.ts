function reverseWords(s: string): string {
  // Write your solution here.
  return "";
}
