function topKFrequent(nums: number[], k: number): number[] {
  const counts = new Map<number, number>();
  for (const x of nums) counts.set(x, (counts.get(x) || 0) + 1);
  const count = (v: number): number => counts.get(v) || 0;
  return Array.from(counts.keys())
    .sort((a, b) => count(b) - count(a) || a - b)
    .slice(0, k);
}
