//go:build ignore

package main

func wordBreak(s string, wordDict []string) bool {
	// Write your solution here.
	return false
}
