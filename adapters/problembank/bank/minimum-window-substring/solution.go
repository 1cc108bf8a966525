//go:build ignore

package main

func minWindow(s string, t string) string {
	var need [256]int // how many more of each character the window needs (< 0: spare)
	for i := 0; i < len(t); i++ {
		need[t[i]]++
	}
	missing := len(t)
	bestStart, bestLen := 0, len(s)+1
	left := 0
	for right := 0; right < len(s); right++ {
		if need[s[right]] > 0 {
			missing--
		}
		need[s[right]]--
		if missing > 0 {
			continue
		}
		for need[s[left]] < 0 { // drop spare characters from the left
			need[s[left]]++
			left++
		}
		if right-left+1 < bestLen {
			bestStart, bestLen = left, right-left+1
		}
		need[s[left]]++ // give up the leftmost needed character
		missing++
		left++
	}
	if bestLen > len(s) {
		return ""
	}
	return s[bestStart : bestStart+bestLen]
}
