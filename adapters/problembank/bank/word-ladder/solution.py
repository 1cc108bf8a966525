from typing import List


def ladder_length(begin_word: str, end_word: str, word_list: List[str]) -> int:
    words = set(word_list)
    if end_word not in words:
        return 0
    # Breadth-first: the first time end_word is reached, it is by a shortest sequence.
    frontier, seen, length = [begin_word], {begin_word}, 1
    while frontier:
        length += 1
        following = []
        for word in frontier:
            for i in range(len(word)):
                for c in "abcdefghijklmnopqrstuvwxyz":
                    next_word = word[:i] + c + word[i + 1:]
                    if next_word in words and next_word not in seen:
                        if next_word == end_word:
                            return length
                        seen.add(next_word)
                        following.append(next_word)
        frontier = following
    return 0
