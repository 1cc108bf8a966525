from typing import List


def merge_sorted_arrays(a: List[int], b: List[int]) -> List[int]:
    # Write your solution here.
    return []
