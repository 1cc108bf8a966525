//go:build ignore

package main

func ladderLength(beginWord string, endWord string, wordList []string) int {
	// Write your solution here.
	return 0
}
