//go:build ignore

package main

func minDistance(word1 string, word2 string) int {
	// prev[j]: the distance between the prefix of word1 done so far and word2[:j].
	prev := make([]int, len(word2)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(word1); i++ {
		cur := make([]int, len(word2)+1)
		cur[0] = i
		for j := 1; j <= len(word2); j++ {
			if word1[i-1] == word2[j-1] {
				cur[j] = prev[j-1]
				continue
			}
			best := prev[j-1]
			if prev[j] < best {
				best = prev[j]
			}
			if cur[j-1] < best {
				best = cur[j-1]
			}
			cur[j] = best + 1
		}
		prev = cur
	}
	return prev[len(word2)]
}
