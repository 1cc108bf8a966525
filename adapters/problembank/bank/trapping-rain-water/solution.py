from typing import List


def trap(height: List[int]) -> int:
    # Water above a bar is bounded by the lower of the highest bars on each side: move
    # inwards from the side whose highest bar is lower, which bounds it.
    left, right = 0, len(height) - 1
    left_max = right_max = water = 0
    while left < right:
        if height[left] < height[right]:
            left_max = max(left_max, height[left])
            water += left_max - height[left]
            left += 1
        else:
            right_max = max(right_max, height[right])
            water += right_max - height[right]
            right -= 1
    return water
