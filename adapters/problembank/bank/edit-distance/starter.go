//go:build ignore

package main

func minDistance(word1 string, word2 string) int {
	// Write your solution here.
	return 0
}
