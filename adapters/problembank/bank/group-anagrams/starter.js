/**
 * @param {string[]} words
 * @return {string[][]}
 */
function groupAnagrams(words) {
  // Write your solution here.
  return [];
}
