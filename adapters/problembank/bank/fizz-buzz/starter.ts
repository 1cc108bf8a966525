function fizzBuzz(n: number): string[] {
  // Write your solution here.
  return [];
}
