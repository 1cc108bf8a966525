/**
 * @param {number[]} height
 * @return {number}
 */
function trap(height) {
  // Water above a bar is bounded by the lower of the highest bars on each side: move
  // inwards from the side whose highest bar is lower, which bounds it.
  let left = 0;
  let right = height.length - 1;
  let leftMax = 0;
  let rightMax = 0;
  let water = 0;
  while (left < right) {
    if (height[left] < height[right]) {
      leftMax = Math.max(leftMax, height[left]);
      water += leftMax - height[left++];
    } else {
      rightMax = Math.max(rightMax, height[right]);
      water += rightMax - height[right--];
    }
  }
  return water;
}
