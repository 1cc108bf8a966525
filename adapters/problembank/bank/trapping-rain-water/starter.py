from typing import List


def trap(height: List[int]) -> int:
    # Write your solution here.
    return 0
