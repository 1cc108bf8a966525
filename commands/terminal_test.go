package commands

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// TestOutputKeepsCharactersWholeAcrossFlushes feeds output split inside multi-byte characters,
// flushing after every piece: no character may be cut in two, and the order of stdout and
// stderr is kept.
func TestOutputKeepsCharactersWholeAcrossFlushes(t *testing.T) {
	o := &outputRecorder{command: uuid.New()}
	text := "héllo 😀 wörld 🧑‍💻\n"
	var got []domain.TerminalOutput
	b := []byte(text)
	for i := 0; i < len(b); i += 3 {
		o.add(false, b[i:min(i+3, len(b))])
		got = append(got, o.take(false)...)
	}
	o.add(true, []byte("err\x00\xff"))
	got = append(got, o.take(true)...)

	var stdout strings.Builder
	for _, e := range got[:len(got)-1] {
		if !utf8.ValidString(e.Data) || strings.ContainsRune(e.Data, utf8.RuneError) {
			t.Fatalf("a piece was cut inside a character: %q", e.Data)
		}
		if e.Stream != domain.Stdout {
			t.Fatalf("stream %s before stderr", e.Stream)
		}
		stdout.WriteString(e.Data)
	}
	if stdout.String() != text {
		t.Fatalf("stdout = %q, want %q", stdout.String(), text)
	}
	last := got[len(got)-1]
	if last.Stream != domain.Stderr || last.Data != "err\uFFFD\uFFFD" {
		t.Fatalf("stderr = %+v (NUL and invalid bytes become U+FFFD)", last)
	}
}

func TestChunksNeverSplitACharacter(t *testing.T) {
	s := strings.Repeat("😀", 10)
	for n := 1; n <= 9; n++ {
		var joined strings.Builder
		for _, c := range chunks(s, n) {
			if !utf8.ValidString(c) {
				t.Fatalf("n=%d: invalid piece %q", n, c)
			}
			joined.WriteString(c)
		}
		if joined.String() != s {
			t.Fatalf("n=%d: pieces join to %q", n, joined.String())
		}
	}
}
