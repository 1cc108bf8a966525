//go:build ignore

package main

func twoSum(nums []int, target int) []int {
	seen := make(map[int]int, len(nums)) // value -> index
	for j, x := range nums {
		if i, ok := seen[target-x]; ok {
			return []int{i, j}
		}
		seen[x] = j
	}
	return nil
}
