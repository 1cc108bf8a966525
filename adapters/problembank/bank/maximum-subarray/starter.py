from typing import List


def max_sub_array(nums: List[int]) -> int:
    # Write your solution here.
    return 0
