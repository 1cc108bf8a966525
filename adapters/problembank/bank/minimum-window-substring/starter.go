//go:build ignore

package main

func minWindow(s string, t string) string {
	// Write your solution here.
	return ""
}
