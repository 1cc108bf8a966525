function minWindow(s: string, t: string): string {
  const need = new Map<string, number>(); // how many more of each character the window needs (< 0: spare)
  const count = (c: string): number => need.get(c) || 0;
  for (const c of t) need.set(c, count(c) + 1);
  let missing = t.length;
  let bestStart = 0;
  let bestLen = s.length + 1;
  let left = 0;
  for (let right = 0; right < s.length; right++) {
    const c = s[right];
    if (count(c) > 0) missing--;
    need.set(c, count(c) - 1);
    if (missing > 0) continue;
    while (count(s[left]) < 0) {
      need.set(s[left], count(s[left]) + 1); // drop spare characters from the left
      left++;
    }
    if (right - left + 1 < bestLen) {
      bestStart = left;
      bestLen = right - left + 1;
    }
    need.set(s[left], count(s[left]) + 1); // give up the leftmost needed character
    missing++;
    left++;
  }
  return bestLen <= s.length ? s.slice(bestStart, bestStart + bestLen) : "";
}
