//go:build ignore

package main

func coinChange(coins []int, amount int) int {
	impossible := amount + 1
	fewest := make([]int, amount+1) // fewest[a]: coins that make a
	for a := 1; a <= amount; a++ {
		fewest[a] = impossible
		for _, c := range coins {
			if c <= a && fewest[a-c]+1 < fewest[a] {
				fewest[a] = fewest[a-c] + 1
			}
		}
	}
	if fewest[amount] == impossible {
		return -1
	}
	return fewest[amount]
}
