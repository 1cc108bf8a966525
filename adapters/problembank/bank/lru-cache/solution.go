//go:build ignore

package main

import "container/list"

type entry struct{ key, value int }

func lruCache(capacity int, operations []string, args [][]int) []int {
	order := list.New() // most recently used at the front
	elements := map[int]*list.Element{}
	answers := []int{}
	for i, op := range operations {
		key := args[i][0]
		e, ok := elements[key]
		if op == "get" {
			if !ok {
				answers = append(answers, -1)
				continue
			}
			order.MoveToFront(e)
			answers = append(answers, e.Value.(*entry).value)
			continue
		}
		if ok {
			e.Value.(*entry).value = args[i][1]
			order.MoveToFront(e)
			continue
		}
		elements[key] = order.PushFront(&entry{key, args[i][1]})
		if order.Len() > capacity {
			oldest := order.Back()
			order.Remove(oldest)
			delete(elements, oldest.Value.(*entry).key)
		}
	}
	return answers
}
