/**
 * @param {number} capacity
 * @param {string[]} operations
 * @param {number[][]} args
 * @return {number[]}
 */
function lruCache(capacity, operations, args) {
  // A Map iterates in insertion order: deleting and setting a key makes it the newest.
  const cache = new Map();
  const answers = [];
  operations.forEach((op, i) => {
    const key = args[i][0];
    if (op === "get") {
      if (cache.has(key)) {
        const value = cache.get(key);
        cache.delete(key);
        cache.set(key, value);
        answers.push(value);
      } else {
        answers.push(-1);
      }
    } else {
      cache.delete(key);
      cache.set(key, args[i][1]);
      if (cache.size > capacity) cache.delete(cache.keys().next().value);
    }
  });
  return answers;
}
