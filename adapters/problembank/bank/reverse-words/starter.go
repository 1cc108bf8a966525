//go:build ignore

package main

func reverseWords(s string) string {
	// Write your solution here.
	return ""
}
