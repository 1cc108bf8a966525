//go:build ignore

package main

func isMatch(s string, p string) bool {
	// matches[i][j]: whether p[j:] matches s[i:].
	m, n := len(s), len(p)
	matches := make([][]bool, m+1)
	for i := range matches {
		matches[i] = make([]bool, n+1)
	}
	matches[m][n] = true
	for i := m; i >= 0; i-- {
		for j := n - 1; j >= 0; j-- {
			first := i < m && (p[j] == s[i] || p[j] == '.')
			if j+1 < n && p[j+1] == '*' {
				matches[i][j] = matches[i][j+2] || (first && matches[i+1][j])
			} else {
				matches[i][j] = first && matches[i+1][j+1]
			}
		}
	}
	return matches[0][0]
}
