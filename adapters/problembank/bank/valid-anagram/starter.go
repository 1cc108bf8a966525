//go:build ignore

package main

func isAnagram(s string, t string) bool {
	// Write your solution here.
	return false
}
