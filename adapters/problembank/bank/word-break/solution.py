from typing import List


def word_break(s: str, word_dict: List[str]) -> bool:
    words = set(word_dict)
    lengths = {len(w) for w in words}
    fits = [True] + [False] * len(s)  # fits[i]: s[:i] splits into words
    for i in range(1, len(s) + 1):
        fits[i] = any(n <= i and fits[i - n] and s[i - n:i] in words for n in lengths)
    return fits[len(s)]
