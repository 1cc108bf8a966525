const VALUES = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };

/**
 * @param {string} s
 * @return {number}
 */
function romanToInt(s) {
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const v = VALUES[s[i]];
    if (i + 1 < s.length && v < VALUES[s[i + 1]]) total -= v;
    else total += v;
  }
  return total;
}
