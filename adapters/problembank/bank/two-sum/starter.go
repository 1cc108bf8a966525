//go:build ignore

package main

func twoSum(nums []int, target int) []int {
	// Write your solution here.
	return nil
}
