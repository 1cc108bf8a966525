package domain

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestUTF16Len(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"\r\n", 2},
		{"é", 1},
		{"中文", 2},
		{"😀", 2},
		{"a😀b", 4},
		{"👍🏽", 4},
		{"𝄞 clef", 7},
		{strings.Repeat("x", 17) + "😀" + strings.Repeat("y", 9), 28},
		{"\xff", 1},
		{"a\xe2\x82", 3},
	} {
		if got := UTF16Len(tc.s); got != tc.want {
			t.Errorf("UTF16Len(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func TestApplyChanges(t *testing.T) {
	for _, tc := range []struct {
		name    string
		text    string
		changes []Change
		want    string
		wantErr error
	}{
		{"no changes", "abc", nil, "abc", nil},
		{"insert at start", "abc", []Change{{Offset: 0, Text: "x"}}, "xabc", nil},
		{"insert at end", "abc", []Change{{Offset: 3, Text: "x"}}, "abcx", nil},
		{"insert into empty", "", []Change{{Offset: 0, Text: "hello"}}, "hello", nil},
		{"delete", "abcdef", []Change{{Offset: 1, DeleteCount: 3}}, "aef", nil},
		{"replace", "let x = 1;", []Change{{Offset: 4, DeleteCount: 1, Text: "total"}}, "let total = 1;", nil},
		{"delete everything", "abc", []Change{{Offset: 0, DeleteCount: 3}}, "", nil},
		{"no-op change", "abc", []Change{{Offset: 2}}, "abc", nil},
		{"past a long ASCII run", strings.Repeat("a", 20) + "b", []Change{{Offset: 20, DeleteCount: 1, Text: "c"}}, strings.Repeat("a", 20) + "c", nil},

		{"after an emoji", "a😀b", []Change{{Offset: 3, DeleteCount: 1, Text: "c"}}, "a😀c", nil},
		{"delete an emoji", "a😀b", []Change{{Offset: 1, DeleteCount: 2}}, "ab", nil},
		{"insert an emoji", "ab", []Change{{Offset: 1, Text: "🎉"}}, "a🎉b", nil},
		{"skin tone modifier is its own pair", "👍🏽!", []Change{{Offset: 2, DeleteCount: 2}}, "👍!", nil},
		{"BMP non-ASCII is one unit", "héllo", []Change{{Offset: 1, DeleteCount: 1, Text: "e"}}, "hello", nil},
		{"CJK", "中文字", []Change{{Offset: 1, DeleteCount: 1, Text: "国"}}, "中国字", nil},
		{"CRLF counts two units", "a\r\nb", []Change{{Offset: 3, DeleteCount: 1, Text: "c"}}, "a\r\nc", nil},
		{"delete a CRLF", "a\r\nb", []Change{{Offset: 1, DeleteCount: 2}}, "ab", nil},
		{"half a CRLF is allowed", "a\r\nb", []Change{{Offset: 2, DeleteCount: 1}}, "a\rb", nil},

		{"changes apply in order", "abc", []Change{{Offset: 0, Text: "x"}, {Offset: 1, DeleteCount: 1}}, "xbc", nil},
		{"later change sees earlier insertion", "ab", []Change{{Offset: 2, Text: "😀"}, {Offset: 4, Text: "!"}}, "ab😀!", nil},
		{"descending multi-cursor", "a\nb\nc", []Change{{Offset: 4, Text: "// "}, {Offset: 2, Text: "// "}, {Offset: 0, Text: "// "}}, "// a\n// b\n// c", nil},
		{"ascending multi-cursor", "a\nb\nc", []Change{{Offset: 0, Text: "- "}, {Offset: 4, Text: "- "}, {Offset: 8, Text: "- "}}, "- a\n- b\n- c", nil},
		{"shrink then grow", "0123456789", []Change{{Offset: 0, DeleteCount: 8}, {Offset: 1, Text: "abcdefghijklmnop"}}, "8abcdefghijklmnop9", nil},

		{"offset past end", "abc", []Change{{Offset: 4}}, "abc", ErrChangeOutOfRange},
		{"delete past end", "abc", []Change{{Offset: 2, DeleteCount: 2}}, "abc", ErrChangeOutOfRange},
		{"negative offset", "abc", []Change{{Offset: -1}}, "abc", ErrChangeOutOfRange},
		{"negative count", "abc", []Change{{Offset: 1, DeleteCount: -1}}, "abc", ErrChangeOutOfRange},
		{"huge count", "abc", []Change{{Offset: 1, DeleteCount: int(^uint(0) >> 1)}}, "abc", ErrChangeOutOfRange},
		{"emoji counts two units", "😀", []Change{{Offset: 3}}, "😀", ErrChangeOutOfRange},
		{"second change out of range leaves the text whole", "abc", []Change{{Offset: 0, Text: "x"}, {Offset: 5}}, "abc", ErrChangeOutOfRange},
		{"out of range only after earlier deletion", "abc", []Change{{Offset: 0, DeleteCount: 2}, {Offset: 2}}, "abc", ErrChangeOutOfRange},

		{"offset inside a pair", "a😀b", []Change{{Offset: 2, Text: "x"}}, "a😀b", ErrSplitSurrogate},
		{"deletion ends inside a pair", "a😀b", []Change{{Offset: 0, DeleteCount: 2}}, "a😀b", ErrSplitSurrogate},
		{"deletion starts inside a pair", "a😀b", []Change{{Offset: 2, DeleteCount: 2}}, "a😀b", ErrSplitSurrogate},
		{"split in a later change", "ab", []Change{{Offset: 1, Text: "😀"}, {Offset: 2, DeleteCount: 1}}, "ab", ErrSplitSurrogate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ApplyChanges(tc.text, tc.changes)
			if !errors.Is(err, tc.wantErr) || (err != nil && tc.wantErr == nil) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// applyNaive is the reference: the obvious conversion to UTF-16 and back. It checks in the
// same order as ApplyChanges so that the two agree on which error a bad change gets.
func applyNaive(text string, changes []Change) (string, error) {
	units := utf16.Encode([]rune(text))
	splits := func(i int) bool {
		return i > 0 && i < len(units) && utf16.IsSurrogate(rune(units[i-1])) && units[i-1] < 0xDC00
	}
	for _, c := range changes {
		switch {
		case c.Offset < 0 || c.DeleteCount < 0 || c.Offset > len(units):
			return text, ErrChangeOutOfRange
		case splits(c.Offset):
			return text, ErrSplitSurrogate
		case c.DeleteCount > len(units)-c.Offset:
			return text, ErrChangeOutOfRange
		case splits(c.Offset + c.DeleteCount):
			return text, ErrSplitSurrogate
		}
		next := append([]uint16(nil), units[:c.Offset]...)
		next = append(next, utf16.Encode([]rune(c.Text))...)
		units = append(next, units[c.Offset+c.DeleteCount:]...)
	}
	return string(utf16.Decode(units)), nil
}

var textPieces = []string{"a", "b", "z", " ", "\n", "\r\n", "\t", "é", "ß", "中", "😀", "👍🏽", "𝄞", "abcdefghijklmnop", "func main() {}"}

func randomText(r *rand.Rand, pieces int) string {
	var b strings.Builder
	for range pieces {
		b.WriteString(textPieces[r.IntN(len(textPieces))])
	}
	return b.String()
}

func randomChange(r *rand.Rand, length int) Change {
	c := Change{Offset: r.IntN(length + 3), DeleteCount: r.IntN(8)}
	switch r.IntN(10) {
	case 0:
		c.DeleteCount = r.IntN(length + 2)
	case 1:
		c.Offset = -1
	}
	if r.IntN(3) > 0 {
		c.Text = randomText(r, r.IntN(4))
	}
	return c
}

func TestApplyChangesMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var applied, refused int
	for doc := range 20 {
		text := randomText(r, r.IntN(200))
		for edit := range 500 {
			changes := make([]Change, 1+r.IntN(4))
			length := UTF16Len(text)
			for i := range changes {
				changes[i] = randomChange(r, length)
			}
			want, wantErr := applyNaive(text, changes)
			got, err := ApplyChanges(text, changes)
			if got != want || !sameError(err, wantErr) {
				t.Fatalf("doc %d edit %d: ApplyChanges(%q, %+v)\n = %q, %v\nwant %q, %v", doc, edit, text, changes, got, err, want, wantErr)
			}
			if err != nil {
				refused++
				continue
			}
			applied++
			if UTF16Len(got) != len(utf16.Encode([]rune(got))) {
				t.Fatalf("UTF16Len(%q) disagrees with utf16.Encode", got)
			}
			text = got
		}
	}
	// Both outcomes must be exercised for the comparison to mean anything.
	if applied < 1000 || refused < 1000 {
		t.Errorf("applied %d, refused %d edits; the generator needs rebalancing", applied, refused)
	}
}

func sameError(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

func FuzzApplyChanges(f *testing.F) {
	f.Add("", 0, 0, "x", 0, 0, "")
	f.Add("hello world", 6, 5, "there", 0, 1, "H")
	f.Add("a😀b", 1, 2, "", 1, 0, "🎉")
	f.Add("a😀b", 2, 0, "x", 0, 0, "")
	f.Add("a\r\nb\r\n", 3, 1, "c", 5, 2, "\n")
	f.Add("👍🏽 中文 é", 2, 2, "", 4, 1, "x")
	f.Add(strings.Repeat("abcdefgh", 4)+"😀", 32, 2, "", 31, 1, "y")
	f.Add("abc", -1, 0, "", 0, 0, "")
	f.Add("abc", 1, 5, "", 0, 0, "")
	f.Add("\xe2\x82", 1, 0, "\xac", 0, 1, "")
	f.Fuzz(func(t *testing.T, text string, off1, del1 int, ins1 string, off2, del2 int, ins2 string) {
		changes := []Change{{off1, del1, ins1}, {off2, del2, ins2}}
		got, err := ApplyChanges(text, changes)
		if err != nil {
			if got != text {
				t.Fatalf("error %v but the text changed to %q", err, got)
			}
			if !errors.Is(err, ErrChangeOutOfRange) && !errors.Is(err, ErrSplitSurrogate) {
				t.Fatalf("unexpected error %v", err)
			}
		}
		// The reference converts through []rune, which turns bytes that are not UTF-8 into
		// U+FFFD; ApplyChanges keeps them, so only valid text can be compared.
		if !utf8.ValidString(text) || !utf8.ValidString(ins1) || !utf8.ValidString(ins2) {
			return
		}
		want, wantErr := applyNaive(text, changes)
		if got != want || !sameError(err, wantErr) {
			t.Fatalf("ApplyChanges(%q, %+v) = %q, %v; want %q, %v", text, changes, got, err, want, wantErr)
		}
		one, err := ApplyChanges(text, changes[:1])
		if err == nil && UTF16Len(one) != UTF16Len(text)-del1+UTF16Len(ins1) {
			t.Fatalf("length of %q after %+v is %d", one, changes[0], UTF16Len(one))
		}
	})
}

// benchSource is about 100 KB of code-like text, mostly ASCII with some accented letters and
// emoji in comments, as candidates' files are.
func benchSource() string {
	r := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	for b.Len() < 100_000 {
		switch r.IntN(40) {
		case 0:
			b.WriteString("    // déjà vu 😀 — naïve café\n")
		case 1:
			b.WriteString("\r\n")
		default:
			b.WriteString("    if (values[i] > max) { max = values[i]; count++; }\n")
		}
	}
	return b.String()
}

// benchEdits are single-character typing and deletions with an occasional paste, at random
// places in the file, as fractions of its length so they stay in range as it changes.
type benchEdit struct {
	at     float64
	delete int
	text   string
}

func benchEdits(n int) []benchEdit {
	r := rand.New(rand.NewPCG(5, 6))
	edits := make([]benchEdit, n)
	for i := range edits {
		switch k := r.IntN(20); {
		case k == 0:
			edits[i] = benchEdit{at: r.Float64(), text: "for (let j = 0; j < n; j++) { sum += j; }\n"}
		case k < 10:
			edits[i] = benchEdit{at: r.Float64(), delete: 1}
		default:
			edits[i] = benchEdit{at: r.Float64(), text: string(rune('a' + r.IntN(26)))}
		}
	}
	return edits
}

func BenchmarkApplyChanges(b *testing.B) {
	source := benchSource()
	edits := benchEdits(4096)
	for _, bc := range []struct {
		name    string
		perCall int
		apply   func(string, []Change) (string, error)
	}{
		{"typing", 1, ApplyChanges},
		{"multicursor-8", 8, ApplyChanges},
		{"typing-naive", 1, applyNaive},
	} {
		b.Run(bc.name, func(b *testing.B) {
			text, length := source, UTF16Len(source)
			changes := make([]Change, bc.perCall)
			b.SetBytes(int64(len(source)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i%len(edits) == 0 {
					// Start over from the source so that the file stays near 100 KB
					// whatever b.N is.
					text, length = source, UTF16Len(source)
				}
				grow := 0
				for j := range changes {
					e := edits[i%len(edits)]
					i++
					c := Change{Offset: int(e.at * float64(length+grow-e.delete)), DeleteCount: e.delete, Text: e.text}
					changes[j] = c
					grow += len(c.Text) - c.DeleteCount
				}
				next, err := bc.apply(text, changes)
				if err == nil {
					text, length = next, length+grow
				}
			}
		})
	}
}
