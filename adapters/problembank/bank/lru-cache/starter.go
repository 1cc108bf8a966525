//go:build ignore

package main

func lruCache(capacity int, operations []string, args [][]int) []int {
	// Write your solution here.
	return nil
}
