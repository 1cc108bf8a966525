//go:build ignore

package main

import "sort"

func groupAnagrams(words []string) [][]string {
	groups := map[string][]string{}
	for _, w := range words {
		letters := []byte(w)
		sort.Slice(letters, func(i, j int) bool { return letters[i] < letters[j] })
		groups[string(letters)] = append(groups[string(letters)], w)
	}
	out := make([][]string, 0, len(groups))
	for _, g := range groups {
		sort.Strings(g)
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}
