/**
 * @param {number[]} nums
 * @param {number} k
 * @return {number[]}
 */
function topKFrequent(nums, k) {
  const counts = new Map();
  for (const x of nums) counts.set(x, (counts.get(x) || 0) + 1);
  return Array.from(counts.keys())
    .sort((a, b) => counts.get(b) - counts.get(a) || a - b)
    .slice(0, k);
}
