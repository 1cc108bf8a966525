/**
 * @param {string} s
 * @param {string} t
 * @return {string}
 */
function minWindow(s, t) {
  const need = new Map(); // how many more of each character the window needs (< 0: spare)
  for (const c of t) need.set(c, (need.get(c) || 0) + 1);
  let missing = t.length;
  let bestStart = 0;
  let bestLen = s.length + 1;
  let left = 0;
  for (let right = 0; right < s.length; right++) {
    const c = s[right];
    if ((need.get(c) || 0) > 0) missing--;
    need.set(c, (need.get(c) || 0) - 1);
    if (missing > 0) continue;
    while (need.get(s[left]) < 0) {
      need.set(s[left], need.get(s[left]) + 1); // drop spare characters from the left
      left++;
    }
    if (right - left + 1 < bestLen) {
      bestStart = left;
      bestLen = right - left + 1;
    }
    need.set(s[left], need.get(s[left]) + 1); // give up the leftmost needed character
    missing++;
    left++;
  }
  return bestLen <= s.length ? s.slice(bestStart, bestStart + bestLen) : "";
}
