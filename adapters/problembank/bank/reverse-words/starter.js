/**
 * @param {string} s
 * @return {string}
 */
function reverseWords(s) {
  // Write your solution here.
  return "";
}
