//go:build ignore

package main

func isValid(s string) bool {
	// Write your solution here.
	return false
}
