/**
 * @param {number[]} a
 * @param {number[]} b
 * @return {number[]}
 */
function mergeSortedArrays(a, b) {
  // Write your solution here.
  return [];
}
