from typing import List


def word_break(s: str, word_dict: List[str]) -> bool:
    # Write your solution here.
    return False
