function groupAnagrams(words: string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const w of words) {
    const key = w.split("").sort().join("");
    const group = groups.get(key);
    if (group) group.push(w);
    else groups.set(key, [w]);
  }
  const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return Array.from(groups.values())
    .map((g) => g.sort(byText))
    .sort((a, b) => byText(a[0], b[0]));
}
