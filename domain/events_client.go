package domain

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on what a client event may carry. Sizes are in bytes of UTF-8.
const (
	MaxFileIDBytes   = 256
	MaxFileNameBytes = 256
	MaxLanguageBytes = 64
	// MaxTextBytes bounds any one piece of text: a file's content, a change's text, a paste.
	MaxTextBytes = 1 << 20
	// MaxChangesPerKeystroke bounds one keystroke event; a multi-cursor edit of a thousand
	// places is already more than any editor sends for one keystroke.
	MaxChangesPerKeystroke = 1000
)

// Keystroke is one edit of a file in the editor, as the editor reported it. Replaying the
// keystrokes of a file from its last keyframe gives its exact content (see ApplyChanges).
type Keystroke struct {
	FileID  string   `json:"fileId"`
	Changes []Change `json:"changes"`
}

func (Keystroke) EventType() string  { return TypeKeystroke }
func (Keystroke) SchemaVersion() int { return 1 }

// Validate checks the shape of the changes only; whether they fit the file is known when
// they are replayed.
func (e Keystroke) Validate() error {
	if err := checkFileID("fileId", e.FileID); err != nil {
		return err
	}
	switch {
	case len(e.Changes) == 0:
		return &ValidationError{Field: "changes", Message: "must hold at least one change"}
	case len(e.Changes) > MaxChangesPerKeystroke:
		return &ValidationError{Field: "changes", Message: "must hold at most " + strconv.Itoa(MaxChangesPerKeystroke) + " changes"}
	}
	for i, c := range e.Changes {
		field := "changes[" + strconv.Itoa(i) + "]"
		if c.Offset < 0 {
			return &ValidationError{Field: field + ".offset", Message: "must not be negative"}
		}
		if c.DeleteCount < 0 {
			return &ValidationError{Field: field + ".deleteCount", Message: "must not be negative"}
		}
		if err := checkText(field+".text", c.Text); err != nil {
			return err
		}
	}
	return nil
}

// CodeSnapshot is the full content of a file as the editor holds it. It is a keyframe of the
// replay, and the check that the keystrokes before it were recorded without loss.
type CodeSnapshot struct {
	FileID   string `json:"fileId"`
	FileName string `json:"fileName"`
	Content  string `json:"content"`
	Language string `json:"language,omitempty"`
}

func (CodeSnapshot) EventType() string  { return TypeCodeSnapshot }
func (CodeSnapshot) SchemaVersion() int { return 1 }

func (e CodeSnapshot) Validate() error {
	return firstError(
		checkFileID("fileId", e.FileID),
		ValidateFileName("fileName", e.FileName),
		checkText("content", e.Content),
		checkLanguage("language", e.Language),
	)
}

// FileCreated is a file the candidate added in the editor, with its initial content.
type FileCreated struct {
	FileID   string `json:"fileId"`
	FileName string `json:"fileName"`
	Content  string `json:"content,omitempty"`
	Language string `json:"language,omitempty"`
}

func (FileCreated) EventType() string  { return TypeFileCreated }
func (FileCreated) SchemaVersion() int { return 1 }

func (e FileCreated) Validate() error {
	return firstError(
		checkFileID("fileId", e.FileID),
		ValidateFileName("fileName", e.FileName),
		checkText("content", e.Content),
		checkLanguage("language", e.Language),
	)
}

// FileDeleted is a file the candidate removed. The name is optional because the file id
// already identifies it; editors that know the name send it for readable logs.
type FileDeleted struct {
	FileID   string `json:"fileId"`
	FileName string `json:"fileName,omitempty"`
}

func (FileDeleted) EventType() string  { return TypeFileDeleted }
func (FileDeleted) SchemaVersion() int { return 1 }

func (e FileDeleted) Validate() error {
	if err := checkFileID("fileId", e.FileID); err != nil {
		return err
	}
	if e.FileName != "" {
		return ValidateFileName("fileName", e.FileName)
	}
	return nil
}

// FileRenamed is a file that keeps its id and content under a new name.
type FileRenamed struct {
	FileID  string `json:"fileId"`
	OldName string `json:"oldName"`
	NewName string `json:"newName"`
}

func (FileRenamed) EventType() string  { return TypeFileRenamed }
func (FileRenamed) SchemaVersion() int { return 1 }

func (e FileRenamed) Validate() error {
	return firstError(
		checkFileID("fileId", e.FileID),
		ValidateFileName("oldName", e.OldName),
		ValidateFileName("newName", e.NewName),
	)
}

// FocusChange is the interview tab gaining or losing focus. Focused is a pointer so that a
// client that forgets it is told so rather than recorded as having left the tab.
type FocusChange struct {
	Focused *bool `json:"focused"`
}

func (FocusChange) EventType() string  { return TypeFocusChange }
func (FocusChange) SchemaVersion() int { return 1 }

func (e FocusChange) Validate() error {
	if e.Focused == nil {
		return &ValidationError{Field: "focused", Message: "is required"}
	}
	return nil
}

// IdleStart is the candidate going idle, by the client's own measure of idleness.
type IdleStart struct{}

func (IdleStart) EventType() string  { return TypeIdleStart }
func (IdleStart) SchemaVersion() int { return 1 }

func (IdleStart) Validate() error { return nil }

// IdleEnd is the candidate coming back. DurationMs is the client's measure of the idle
// period, 0 when it does not send one.
type IdleEnd struct {
	DurationMs int64 `json:"durationMs,omitempty"`
}

func (IdleEnd) EventType() string  { return TypeIdleEnd }
func (IdleEnd) SchemaVersion() int { return 1 }

func (e IdleEnd) Validate() error {
	if e.DurationMs < 0 {
		return &ValidationError{Field: "durationMs", Message: "must not be negative"}
	}
	return nil
}

// Paste is text pasted into a file at Offset (UTF-16 code units). The edit itself also
// arrives as a keystroke; this event says where the text came from, for the evaluation.
type Paste struct {
	FileID string `json:"fileId"`
	Offset int    `json:"offset"`
	Text   string `json:"text"`
}

func (Paste) EventType() string  { return TypePaste }
func (Paste) SchemaVersion() int { return 1 }

func (e Paste) Validate() error {
	if err := checkFileID("fileId", e.FileID); err != nil {
		return err
	}
	if e.Offset < 0 {
		return &ValidationError{Field: "offset", Message: "must not be negative"}
	}
	if e.Text == "" {
		return &ValidationError{Field: "text", Message: "must not be empty"}
	}
	return checkText("text", e.Text)
}

// Copy is text the candidate copied, from a file or (without FileID) from elsewhere on the
// page, such as the question or the AI's answer.
type Copy struct {
	FileID string `json:"fileId,omitempty"`
	Text   string `json:"text"`
}

func (Copy) EventType() string  { return TypeCopy }
func (Copy) SchemaVersion() int { return 1 }

func (e Copy) Validate() error {
	if e.FileID != "" {
		if err := checkFileID("fileId", e.FileID); err != nil {
			return err
		}
	}
	return checkText("text", e.Text)
}

// Cursor is where the caret is. Line and Column are 1-based, as Monaco reports them, so that
// an omitted one (0) is refused; Column and SelectionLength count UTF-16 code units.
type Cursor struct {
	FileID          string `json:"fileId"`
	Line            int    `json:"line"`
	Column          int    `json:"column"`
	SelectionLength int    `json:"selectionLength,omitempty"`
}

func (Cursor) EventType() string  { return TypeCursor }
func (Cursor) SchemaVersion() int { return 1 }

func (e Cursor) Validate() error {
	if err := checkFileID("fileId", e.FileID); err != nil {
		return err
	}
	switch {
	case e.Line < 1:
		return &ValidationError{Field: "line", Message: "must be at least 1"}
	case e.Column < 1:
		return &ValidationError{Field: "column", Message: "must be at least 1"}
	case e.SelectionLength < 0:
		return &ValidationError{Field: "selectionLength", Message: "must not be negative"}
	}
	return nil
}

// ValidateFileName checks a file name (a path relative to the interview's workspace, with /
// between directories) and reports a problem as a *ValidationError on field. Every place a
// name comes from a client, events and PUT /files alike, uses it, so that a name accepted
// anywhere is safe to use as a path in the sandbox and names one file only: it is not
// absolute, has no "..", "." or empty segment, no backslash (which would be a separator on
// some clients and not in the sandbox), no control character, and is valid UTF-8 of at most
// MaxFileNameBytes bytes.
func ValidateFileName(field, name string) error {
	if problem := fileNameProblem(name); problem != "" {
		return &ValidationError{Field: field, Message: problem}
	}
	return nil
}

func fileNameProblem(name string) string {
	switch {
	case name == "":
		return "must not be empty"
	case len(name) > MaxFileNameBytes:
		return "must be at most " + strconv.Itoa(MaxFileNameBytes) + " bytes"
	case !utf8.ValidString(name):
		return "must be valid UTF-8"
	case strings.ContainsRune(name, 0):
		return "must not contain NUL"
	case strings.ContainsRune(name, '\\'):
		return `must not contain "\"; use "/" between directories`
	case strings.HasPrefix(name, "/"):
		return "must be relative to the workspace, not absolute"
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "must not contain control characters"
		}
	}
	for segment := range strings.SplitSeq(name, "/") {
		switch segment {
		case "..":
			return `must not contain ".."`
		case ".", "":
			return `must not contain "." or empty path segments`
		}
	}
	return ""
}

func checkFileID(field, id string) error {
	switch {
	case id == "":
		return &ValidationError{Field: field, Message: "must not be empty"}
	case len(id) > MaxFileIDBytes:
		return &ValidationError{Field: field, Message: "must be at most " + strconv.Itoa(MaxFileIDBytes) + " bytes"}
	case strings.IndexByte(id, 0) >= 0:
		return &ValidationError{Field: field, Message: "must not contain NUL"}
	}
	return nil
}

// checkText refuses NUL because the log stores payloads as Postgres jsonb, which cannot hold
// it; refusing it here answers 422 instead of failing the append.
func checkText(field, text string) error {
	switch {
	case len(text) > MaxTextBytes:
		return &ValidationError{Field: field, Message: "must be at most " + strconv.Itoa(MaxTextBytes) + " bytes"}
	case strings.IndexByte(text, 0) >= 0:
		return &ValidationError{Field: field, Message: "must not contain NUL (U+0000)"}
	}
	return nil
}

func checkLanguage(field, language string) error {
	if len(language) > MaxLanguageBytes {
		return &ValidationError{Field: field, Message: "must be at most " + strconv.Itoa(MaxLanguageBytes) + " bytes"}
	}
	return checkText(field, language)
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
