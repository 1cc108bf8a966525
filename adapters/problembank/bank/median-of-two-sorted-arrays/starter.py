from typing import List


def find_median_sorted_arrays(nums1: List[int], nums2: List[int]) -> float:
    # Write your solution here.
    return 0.0
