from typing import List


def top_k_frequent(nums: List[int], k: int) -> List[int]:
    # Write your solution here.
    return []
