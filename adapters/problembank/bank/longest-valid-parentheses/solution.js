/**
 * @param {string} s
 * @return {number}
 */
function longestValidParentheses(s) {
  // The stack holds the indices of unmatched '(' above the index just before the
  // current valid run.
  const stack = [-1];
  let best = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "(") {
      stack.push(i);
      continue;
    }
    stack.pop();
    if (stack.length > 0) best = Math.max(best, i - stack[stack.length - 1]);
    else stack.push(i);
  }
  return best;
}
