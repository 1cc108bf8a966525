from collections import Counter


def min_window(s: str, t: str) -> str:
    need = Counter(t)  # how many more of each character the window needs (< 0: spare)
    missing = len(t)
    best_start, best_len = 0, len(s) + 1
    left = 0
    for right, c in enumerate(s):
        if need[c] > 0:
            missing -= 1
        need[c] -= 1
        if missing > 0:
            continue
        while need[s[left]] < 0:  # drop spare characters from the left
            need[s[left]] += 1
            left += 1
        if right - left + 1 < best_len:
            best_start, best_len = left, right - left + 1
        need[s[left]] += 1  # give up the leftmost needed character
        missing += 1
        left += 1
    return s[best_start:best_start + best_len] if best_len <= len(s) else ""
