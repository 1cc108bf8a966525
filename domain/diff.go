package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// SnapshotDiff describes how a file changed between two snapshots.
type SnapshotDiff struct {
	SHA256       string
	LinesAdded   int
	LinesDeleted int
	// Unified is the change as a unified diff with three lines of context ("" when unchanged).
	Unified string
}

// DiffSnapshots compares a file's previous snapshot with its new one.
func DiffSnapshots(name, previous, current string) SnapshotDiff {
	sum := sha256.Sum256([]byte(current))
	d := SnapshotDiff{SHA256: hex.EncodeToString(sum[:])}
	if previous == current {
		return d
	}
	a, b := splitLines(previous), splitLines(current)
	m := difflib.NewMatcher(a, b)
	for _, op := range m.GetOpCodes() {
		switch op.Tag {
		case 'r':
			d.LinesDeleted += op.I2 - op.I1
			d.LinesAdded += op.J2 - op.J1
		case 'd':
			d.LinesDeleted += op.I2 - op.I1
		case 'i':
			d.LinesAdded += op.J2 - op.J1
		}
	}
	d.Unified, _ = difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: a, B: b, FromFile: "a/" + name, ToFile: "b/" + name, Context: 3,
	})
	return d
}

// splitLines cuts text into lines that each end in "\n". A last line without one gets it, so a
// missing final newline is not counted as a change of its own.
func splitLines(text string) []string {
	if text == "" {
		return nil
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n"
	}
	return lines
}
