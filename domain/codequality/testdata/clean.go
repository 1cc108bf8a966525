// Package solution merges overlapping intervals.
package solution

import "sort"

// Interval is a closed range of integers.
type Interval struct {
	Start, End int
}

// Merge returns the union of intervals as non-overlapping intervals in order.
func Merge(intervals []Interval) []Interval {
	if len(intervals) == 0 {
		return nil
	}
	sorted := append([]Interval(nil), intervals...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	merged := []Interval{sorted[0]}
	for _, next := range sorted[1:] {
		last := &merged[len(merged)-1]
		if next.Start <= last.End {
			last.End = max(last.End, next.End)
			continue
		}
		merged = append(merged, next)
	}
	return merged
}

// Len is the number of integers the interval covers.
func (iv Interval) Len() int {
	return iv.End - iv.Start + 1
}
