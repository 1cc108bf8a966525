//go:build ignore

package main

func lengthOfLongestSubstring(s string) int {
	last := map[byte]int{} // character -> index of its last occurrence
	best, start := 0, 0
	for i := 0; i < len(s); i++ {
		if prev, ok := last[s[i]]; ok && prev >= start {
			start = prev + 1
		}
		last[s[i]] = i
		if i-start+1 > best {
			best = i - start + 1
		}
	}
	return best
}
