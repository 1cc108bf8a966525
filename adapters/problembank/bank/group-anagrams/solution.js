/**
 * @param {string[]} words
 * @return {string[][]}
 */
function groupAnagrams(words) {
  const groups = new Map();
  for (const w of words) {
    const key = w.split("").sort().join("");
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(w);
  }
  const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  return Array.from(groups.values())
    .map((g) => g.sort(byText))
    .sort((a, b) => byText(a[0], b[0]));
}
