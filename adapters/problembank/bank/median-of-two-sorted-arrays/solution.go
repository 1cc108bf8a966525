//go:build ignore

package main

import "math"

func findMedianSortedArrays(nums1 []int, nums2 []int) float64 {
	// Binary search for the split of the shorter array that, with the matching split of
	// the longer one, puts the smaller half of all elements on the left.
	a, b := nums1, nums2
	if len(a) > len(b) {
		a, b = b, a
	}
	m, n := len(a), len(b)
	half := (m + n + 1) / 2
	lo, hi := 0, m
	at := func(s []int, k int) int {
		switch {
		case k < 0:
			return math.MinInt64
		case k >= len(s):
			return math.MaxInt64
		}
		return s[k]
	}
	for {
		i := (lo + hi) / 2
		j := half - i
		aLeft, aRight, bLeft, bRight := at(a, i-1), at(a, i), at(b, j-1), at(b, j)
		switch {
		case aLeft > bRight:
			hi = i - 1
		case bLeft > aRight:
			lo = i + 1
		default:
			left := aLeft
			if bLeft > left {
				left = bLeft
			}
			if (m+n)%2 == 1 {
				return float64(left)
			}
			right := aRight
			if bRight < right {
				right = bRight
			}
			return float64(left+right) / 2
		}
	}
}
