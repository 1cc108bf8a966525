from typing import List


def group_anagrams(words: List[str]) -> List[List[str]]:
    # Write your solution here.
    return []
