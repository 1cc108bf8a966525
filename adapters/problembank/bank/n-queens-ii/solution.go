//go:build ignore

package main

func totalNQueens(n int) int {
	full := 1<<uint(n) - 1
	// Row by row; the masks are the columns and diagonals attacked in the current row.
	var place func(cols, downLeft, downRight int) int
	place = func(cols, downLeft, downRight int) int {
		if cols == full {
			return 1
		}
		count := 0
		free := full &^ (cols | downLeft | downRight)
		for free != 0 {
			bit := free & -free
			free ^= bit
			count += place(cols|bit, (downLeft|bit)<<1&full, (downRight|bit)>>1)
		}
		return count
	}
	return place(0, 0, 0)
}
