/**
 * @param {string} s
 * @param {string} p
 * @return {boolean}
 */
function isMatch(s, p) {
  // matches[i][j]: whether p.slice(j) matches s.slice(i).
  const m = s.length;
  const n = p.length;
  const matches = Array.from({ length: m + 1 }, () => new Array(n + 1).fill(false));
  matches[m][n] = true;
  for (let i = m; i >= 0; i--) {
    for (let j = n - 1; j >= 0; j--) {
      const first = i < m && (p[j] === s[i] || p[j] === ".");
      if (j + 1 < n && p[j + 1] === "*") {
        matches[i][j] = matches[i][j + 2] || (first && matches[i + 1][j]);
      } else {
        matches[i][j] = first && matches[i + 1][j + 1];
      }
    }
  }
  return matches[0][0];
}
