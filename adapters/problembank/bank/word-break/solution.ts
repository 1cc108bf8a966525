function wordBreak(s: string, wordDict: string[]): boolean {
  const words = new Set(wordDict);
  const lengths = Array.from(new Set(wordDict.map((w) => w.length)));
  const fits: boolean[] = new Array(s.length + 1).fill(false); // fits[i]: s.slice(0, i) splits into words
  fits[0] = true;
  for (let i = 1; i <= s.length; i++) {
    fits[i] = lengths.some((n) => n <= i && fits[i - n] && words.has(s.slice(i - n, i)));
  }
  return fits[s.length];
}
