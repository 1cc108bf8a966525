/**
 * @param {number[]} height
 * @return {number}
 */
function trap(height) {
  // Write your solution here.
  return 0;
}
