/**
 * @param {number} capacity
 * @param {string[]} operations
 * @param {number[][]} args
 * @return {number[]}
 */
function lruCache(capacity, operations, args) {
  // Write your solution here.
  return [];
}
