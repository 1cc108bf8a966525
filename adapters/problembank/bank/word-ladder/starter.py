from typing import List


def ladder_length(begin_word: str, end_word: str, word_list: List[str]) -> int:
    # Write your solution here.
    return 0
