//go:build ignore

package main

func trap(height []int) int {
	// Water above a bar is bounded by the lower of the highest bars on each side: move
	// inwards from the side whose highest bar is lower, which bounds it.
	left, right := 0, len(height)-1
	leftMax, rightMax, water := 0, 0, 0
	for left < right {
		if height[left] < height[right] {
			if height[left] > leftMax {
				leftMax = height[left]
			}
			water += leftMax - height[left]
			left++
		} else {
			if height[right] > rightMax {
				rightMax = height[right]
			}
			water += rightMax - height[right]
			right--
		}
	}
	return water
}
