//go:build ignore

package main

func lengthOfLongestSubstring(s string) int {
	// Write your solution here.
	return 0
}
