//go:build ignore

package main

func maxSubArray(nums []int) int {
	// Write your solution here.
	return 0
}
