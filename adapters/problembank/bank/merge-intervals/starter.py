from typing import List


def merge_intervals(intervals: List[List[int]]) -> List[List[int]]:
    # Write your solution here.
    return []
