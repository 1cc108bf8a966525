package solution

import "fmt"

func foo(a1 int, b bool, c int, d bool, e bool, f int, tmp2 bool) int {
	x := 0
	tmp := []int{}
	for i := 0; i < a1; i++ {
		if b {
			for j := 0; j < c; j++ {
				if d && e {
					for f > 0 {
						if tmp2 || x > 0 {
							x++
						}
						f--
					}
				}
			}
		}
	}
	if a1 > 10 {
		tmp = append(tmp, 1)
	} else if a1 > 5 {
		tmp = append(tmp, 2)
	} else if a1 > 3 {
		tmp = append(tmp, 3)
	} else {
		tmp = append(tmp, 4)
	}
	total1 := 0
	for _, item := range tmp {
		if item > 2 {
			total1 += item
		} else {
			total1 -= item
		}
	}
	fmt.Println("first total", total1)
	fmt.Println("items", len(tmp))
	total1 = 0
	for _, item := range tmp {
		if item > 2 {
			total1 += item
		} else {
			total1 -= item
		}
	}
	fmt.Println("first total", total1)
	fmt.Println("items", len(tmp))
	total1 = 0
	for _, item := range tmp {
		if item > 2 {
			total1 += item
		} else {
			total1 -= item
		}
	}
	fmt.Println("first total", total1)
	fmt.Println("items", len(tmp))
	y := x
	switch {
	case x < 0:
		y = -x
	case x > 100:
		y = 100
	}
	aa := y * 2
	bb := aa + 1
	cc := bb + aa
	return cc
}
