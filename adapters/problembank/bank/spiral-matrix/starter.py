from typing import List


def spiral_order(matrix: List[List[int]]) -> List[int]:
    # Write your solution here.
    return []
