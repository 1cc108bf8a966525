//go:build ignore

package main

func longestValidParentheses(s string) int {
	// The stack holds the indices of unmatched '(' above the index just before the
	// current valid run.
	stack := []int{-1}
	best := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '(' {
			stack = append(stack, i)
			continue
		}
		stack = stack[:len(stack)-1]
		if len(stack) > 0 {
			if i-stack[len(stack)-1] > best {
				best = i - stack[len(stack)-1]
			}
		} else {
			stack = append(stack, i)
		}
	}
	return best
}
