//go:build ignore

package main

func spiralOrder(matrix [][]int) []int {
	// Write your solution here.
	return nil
}
