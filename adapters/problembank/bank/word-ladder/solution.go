//go:build ignore

package main

func ladderLength(beginWord string, endWord string, wordList []string) int {
	words := map[string]bool{}
	for _, w := range wordList {
		words[w] = true
	}
	if !words[endWord] {
		return 0
	}
	// Breadth-first: the first time endWord is reached, it is by a shortest sequence.
	frontier := []string{beginWord}
	seen := map[string]bool{beginWord: true}
	for length := 2; len(frontier) > 0; length++ {
		var following []string
		for _, word := range frontier {
			b := []byte(word)
			for i := range b {
				original := b[i]
				for c := byte('a'); c <= 'z'; c++ {
					b[i] = c
					next := string(b)
					if !words[next] || seen[next] {
						continue
					}
					if next == endWord {
						return length
					}
					seen[next] = true
					following = append(following, next)
				}
				b[i] = original
			}
		}
		frontier = following
	}
	return 0
}
