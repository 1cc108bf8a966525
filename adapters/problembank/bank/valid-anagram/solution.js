/**
 * @param {string} s
 * @param {string} t
 * @return {boolean}
 */
function isAnagram(s, t) {
  if (s.length !== t.length) return false;
  const counts = new Map();
  for (const c of s) counts.set(c, (counts.get(c) || 0) + 1);
  for (const c of t) {
    const n = counts.get(c) || 0;
    if (n === 0) return false;
    counts.set(c, n - 1);
  }
  return true;
}
