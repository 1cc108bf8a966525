/**
 * @param {number} n
 * @return {string[]}
 */
function fizzBuzz(n) {
  // Write your solution here.
  return [];
}
