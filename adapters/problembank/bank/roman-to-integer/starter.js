/**
 * @param {string} s
 * @return {number}
 */
function romanToInt(s) {
  // Write your solution here.
  return 0;
}
