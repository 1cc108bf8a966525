//go:build ignore

package main

func isMatch(s string, p string) bool {
	// Write your solution here.
	return false
}
