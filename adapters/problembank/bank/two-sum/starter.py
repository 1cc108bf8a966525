from typing import List


def two_sum(nums: List[int], target: int) -> List[int]:
    # Write your solution here.
    return []
