//go:build ignore

package main

func longestValidParentheses(s string) int {
	// Write your solution here.
	return 0
}
