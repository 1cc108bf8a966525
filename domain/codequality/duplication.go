package codequality

import (
	"strings"
	"unicode"
)

// duplicate describes the first repeated block found, for the finding's message.
type duplicate struct {
	file, originalFile     string
	line, lastLine         int
	originalLine, origLast int
}

// window is DuplicateWindow consecutive significant lines starting at index start of a file's
// significant lines.
type window struct {
	file  int
	start int
}

// measureDuplication returns how many code lines lie in a block of DuplicateWindow or more
// significant lines that occurs at least twice (within a file or across files), and the first
// such repeat in file and line order.
//
// Lines are compared with whitespace collapsed, so re-indented copies still match. Significant
// lines are code lines with a letter or digit that are not imports: closing braces and blank
// separators would otherwise make unrelated code look alike, and import lists are expected to
// repeat. Identifiers are not normalised; renaming every variable of a copy hides it, but
// matching on shape alone flags too much honest code in short solutions.
func measureDuplication(files []*fileMeasures) (int, *duplicate) {
	significant := make([][]int, len(files)) // per file: rows of significant lines
	texts := make([][]string, len(files))
	occurrences := map[string][]window{}
	keys := make([][]string, len(files))
	for f, file := range files {
		for row, code := range file.codeRows {
			if !code || file.importRows[row] {
				continue
			}
			text := strings.Join(strings.Fields(file.lines[row]), " ")
			if !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
				continue
			}
			significant[f] = append(significant[f], row)
			texts[f] = append(texts[f], text)
		}
		for start := 0; start+DuplicateWindow <= len(texts[f]); start++ {
			key := strings.Join(texts[f][start:start+DuplicateWindow], "\n")
			keys[f] = append(keys[f], key)
			occurrences[key] = append(occurrences[key], window{file: f, start: start})
		}
	}
	var first *duplicate
	total := 0
	for f, file := range files {
		marked := make([]bool, len(file.codeRows))
		for start, key := range keys[f] {
			occ := occurrences[key]
			if len(occ) < 2 {
				continue
			}
			from, to := significant[f][start], significant[f][start+DuplicateWindow-1]
			for row := from; row <= to; row++ {
				marked[row] = file.codeRows[row]
			}
			// Windows are visited in file and line order, so the first repeated window is the
			// original and occ[1] its first copy.
			if first == nil {
				copyOf := occ[1]
				first = &duplicate{
					file:         files[copyOf.file].name,
					line:         significant[copyOf.file][copyOf.start] + 1,
					lastLine:     significant[copyOf.file][copyOf.start+DuplicateWindow-1] + 1,
					originalFile: file.name,
					originalLine: from + 1,
					origLast:     to + 1,
				}
			}
		}
		for _, m := range marked {
			if m {
				total++
			}
		}
	}
	return total, first
}
