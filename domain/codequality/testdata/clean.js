// Groups words that are anagrams of each other.
const MAX_WORDS = 10000;

function sortLetters(word) {
  return word.split('').sort().join('');
}

function groupAnagrams(words) {
  if (words.length > MAX_WORDS) {
    throw new Error('too many words');
  }
  const groups = new Map();
  for (const word of words) {
    const key = sortLetters(word);
    const group = groups.get(key) || [];
    group.push(word);
    groups.set(key, group);
  }
  return [...groups.values()].filter((group) => group.length > 0);
}

class AnagramIndex {
  constructor(words) {
    this.groups = groupAnagrams(words);
  }

  largest() {
    return this.groups.reduce((best, group) => (group.length > best.length ? group : best), []);
  }
}

module.exports = { groupAnagrams, AnagramIndex };
