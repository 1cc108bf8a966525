function lruCache(capacity: number, operations: string[], args: number[][]): number[] {
  // A Map iterates in insertion order: deleting and setting a key makes it the newest.
  const cache = new Map<number, number>();
  const answers: number[] = [];
  operations.forEach((op, i) => {
    const key = args[i][0];
    if (op === "get") {
      const value = cache.get(key);
      if (value === undefined) {
        answers.push(-1);
      } else {
        cache.delete(key);
        cache.set(key, value);
        answers.push(value);
      }
    } else {
      cache.delete(key);
      cache.set(key, args[i][1]);
      if (cache.size > capacity) cache.delete(cache.keys().next().value as number);
    }
  });
  return answers;
}
