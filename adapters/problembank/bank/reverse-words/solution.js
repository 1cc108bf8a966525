/**
 * @param {string} s
 * @return {string}
 */
function reverseWords(s) {
  return s
    .split(" ")
    .filter((w) => w !== "")
    .reverse()
    .join(" ");
}
