//go:build ignore

package main

func wordBreak(s string, wordDict []string) bool {
	words := map[string]bool{}
	for _, w := range wordDict {
		words[w] = true
	}
	fits := make([]bool, len(s)+1) // fits[i]: s[:i] splits into words
	fits[0] = true
	for i := 1; i <= len(s); i++ {
		for w := range words {
			if n := len(w); n <= i && fits[i-n] && s[i-n:i] == w {
				fits[i] = true
				break
			}
		}
	}
	return fits[len(s)]
}
