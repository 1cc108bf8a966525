//go:build ignore

package main

func findMedianSortedArrays(nums1 []int, nums2 []int) float64 {
	// Write your solution here.
	return 0
}
