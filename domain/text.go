package domain

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Change is one edit an editor reports: replace DeleteCount code units at Offset with Text.
// Offsets and counts are in UTF-16 code units, because that is how JavaScript strings, and so
// Monaco and CodeMirror, measure text. An omitted offset or count reads as 0 and omitted
// text as "", which is what editors mean for pure insertions and deletions.
type Change struct {
	Offset      int    `json:"offset"`
	DeleteCount int    `json:"deleteCount"`
	Text        string `json:"text"`
}

var (
	// ErrChangeOutOfRange means a change starts or ends past the end of the text, or has a
	// negative offset or count.
	ErrChangeOutOfRange = errors.New("change out of range")
	// ErrSplitSurrogate means a change starts or ends between the two UTF-16 code units of a
	// character outside the Basic Multilingual Plane (an emoji, say), which no editor does
	// when it agrees with us on the text.
	ErrSplitSurrogate = errors.New("change splits a surrogate pair")
)

// ApplyChanges applies changes in order, each to the text the one before left, as the
// changes of one editor event are defined. When a change does not fit it returns the
// original text and an error wrapping ErrChangeOutOfRange or ErrSplitSurrogate that names
// the change; the text is never half-edited.
//
// Text is read as UTF-8; a byte that is not part of valid UTF-8 counts as one code unit, as
// the U+FFFD a JSON decoder would have put in its place does.
func ApplyChanges(text string, changes []Change) (string, error) {
	switch len(changes) {
	case 0:
		return text, nil
	case 1:
		// The usual keystroke: one allocation, no working buffer.
		c := changes[0]
		start, end, err := byteRange(text, c)
		if err != nil {
			return text, changeError(0, c, err)
		}
		return text[:start] + c.Text + text[end:], nil
	}
	grown := len(text)
	for _, c := range changes {
		grown += len(c.Text)
	}
	buf := make([]byte, len(text), grown)
	copy(buf, text)
	for i, c := range changes {
		start, end, err := byteRange(buf, c)
		if err != nil {
			return text, changeError(i, c, err)
		}
		buf = splice(buf, start, end, c.Text)
	}
	return string(buf), nil
}

func changeError(i int, c Change, err error) error {
	return fmt.Errorf("change %d (offset %d, deleteCount %d): %w", i, c.Offset, c.DeleteCount, err)
}

// splice replaces buf[start:end] with text in place; buf has the capacity for it.
func splice(buf []byte, start, end int, text string) []byte {
	oldLen := len(buf)
	newLen := oldLen - (end - start) + len(text)
	if newLen > oldLen {
		buf = buf[:newLen]
	}
	copy(buf[start+len(text):], buf[end:oldLen])
	copy(buf[start:], text)
	return buf[:newLen]
}

// byteRange returns the bytes of s that change c replaces.
func byteRange[T ~string | ~[]byte](s T, c Change) (start, end int, err error) {
	if c.Offset < 0 || c.DeleteCount < 0 {
		return 0, 0, ErrChangeOutOfRange
	}
	if start, err = advance(s, 0, c.Offset); err != nil {
		return 0, 0, err
	}
	if end, err = advance(s, start, c.DeleteCount); err != nil {
		return 0, 0, err
	}
	return start, end, nil
}

// advance returns the byte index units UTF-16 code units after byte index i, which is at the
// start of a character. It is a linear scan rather than a conversion to []uint16 so that an
// edit costs no allocation beyond the result, and it skips ASCII eight bytes at a time because
// source code is mostly ASCII.
func advance[T ~string | ~[]byte](s T, i, units int) (int, error) {
	for units > 0 {
		// ascii8 by hand: a generic function's calls to another are not inlined.
		for units >= 8 && i+8 <= len(s) {
			b := s[i : i+8]
			w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
				uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
			if w&0x8080808080808080 != 0 {
				break
			}
			i += 8
			units -= 8
		}
		if units == 0 {
			break
		}
		if i >= len(s) {
			return i, ErrChangeOutOfRange
		}
		if s[i] < utf8.RuneSelf {
			i++
			units--
			continue
		}
		r, size := decodeRune(s, i)
		if utf16Units(r) == 2 {
			if units == 1 {
				return i, ErrSplitSurrogate
			}
			units -= 2
		} else {
			units--
		}
		i += size
	}
	return i, nil
}

// UTF16Len returns the length of s in UTF-16 code units, the length a JavaScript editor
// reports for it.
func UTF16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && ascii8(s, i) {
			i += 8
			n += 8
			continue
		}
		if s[i] < utf8.RuneSelf {
			i++
			n++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += utf16Units(r)
		i += size
	}
	return n
}

// utf16Units is 2 for a character above the Basic Multilingual Plane and 1 otherwise,
// including utf8.RuneError for a byte that is not valid UTF-8.
func utf16Units(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// ascii8 reports whether the 8 bytes at s[i:] are all ASCII; the caller ensures they exist.
func ascii8(s string, i int) bool {
	b := s[i : i+8]
	w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	return w&0x8080808080808080 == 0
}

func decodeRune[T ~string | ~[]byte](s T, i int) (rune, int) {
	var b [utf8.UTFMax]byte
	n := copy(b[:], s[i:])
	return utf8.DecodeRune(b[:n])
}
