package domain

import (
	"strings"
	"testing"
)

func TestDiffSnapshots(t *testing.T) {
	cases := []struct {
		name                string
		prev, cur           string
		added, deleted      int
		diffHas, diffHasNot []string
	}{
		{"unchanged", "a\nb\n", "a\nb\n", 0, 0, nil, []string{"@@"}},
		{"first snapshot", "", "a\nb\n", 2, 0, []string{"+a", "+b"}, nil},
		{"emptied", "a\nb\n", "", 0, 2, []string{"-a", "-b"}, nil},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", 1, 1, []string{"-b", "+B", " a", "--- a/f.py", "+++ b/f.py"}, nil},
		{"insert in the middle", "a\nc\n", "a\nb\nc\n", 1, 0, []string{"+b"}, []string{"-a"}},
		{"no final newline is not a change of its own", "x", "x\ny", 1, 0, []string{" x", "+y"}, []string{"-x"}},
		{"unicode", "é\n", "é😀\n", 1, 1, []string{"+é😀"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := DiffSnapshots("f.py", c.prev, c.cur)
			if d.LinesAdded != c.added || d.LinesDeleted != c.deleted {
				t.Errorf("added/deleted = %d/%d, want %d/%d\n%s", d.LinesAdded, d.LinesDeleted, c.added, c.deleted, d.Unified)
			}
			for _, s := range c.diffHas {
				if !strings.Contains(d.Unified, s) {
					t.Errorf("diff lacks %q:\n%s", s, d.Unified)
				}
			}
			for _, s := range c.diffHasNot {
				if strings.Contains(d.Unified, s) {
					t.Errorf("diff has %q:\n%s", s, d.Unified)
				}
			}
			if len(d.SHA256) != 64 {
				t.Errorf("sha256 = %q", d.SHA256)
			}
		})
	}
	if DiffSnapshots("f", "", "abc").SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Error("sha256 of abc is wrong")
	}
}
