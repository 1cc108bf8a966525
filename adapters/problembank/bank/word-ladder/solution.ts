function ladderLength(beginWord: string, endWord: string, wordList: string[]): number {
  const words = new Set(wordList);
  if (!words.has(endWord)) return 0;
  // Breadth-first: the first time endWord is reached, it is by a shortest sequence.
  let frontier: string[] = [beginWord];
  const seen = new Set(frontier);
  let length = 1;
  while (frontier.length > 0) {
    length++;
    const following: string[] = [];
    for (const word of frontier) {
      for (let i = 0; i < word.length; i++) {
        for (let code = 97; code <= 122; code++) {
          const next = word.slice(0, i) + String.fromCharCode(code) + word.slice(i + 1);
          if (!words.has(next) || seen.has(next)) continue;
          if (next === endWord) return length;
          seen.add(next);
          following.push(next);
        }
      }
    }
    frontier = following;
  }
  return 0;
}
