package domain

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDecodeClient(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	quoted := func(s string) string {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	manyChanges := func(n int) string {
		return `{"fileId":"f","changes":[` + strings.TrimSuffix(strings.Repeat(`{"offset":0,"text":"a"},`, n), ",") + `]}`
	}

	for _, tc := range []struct {
		name      string
		eventType string
		data      string
		// wantField is the field a *ValidationError must name; empty when the data is good or
		// when wantErr is set.
		wantField string
		wantErr   error
	}{
		// keystroke
		{"keystroke", TypeKeystroke, `{"fileId":"f","changes":[{"offset":0,"deleteCount":0,"text":"a"}]}`, "", nil},
		{"keystroke several changes", TypeKeystroke, `{"fileId":"f","changes":[{"offset":4,"deleteCount":2,"text":""},{"offset":0,"text":"😀"}]}`, "", nil},
		{"keystroke 1000 changes", TypeKeystroke, manyChanges(1000), "", nil},
		{"keystroke 1001 changes", TypeKeystroke, manyChanges(1001), "changes", nil},
		{"keystroke no changes", TypeKeystroke, `{"fileId":"f","changes":[]}`, "changes", nil},
		{"keystroke changes missing", TypeKeystroke, `{"fileId":"f"}`, "changes", nil},
		{"keystroke no fileId", TypeKeystroke, `{"changes":[{"offset":0,"text":"a"}]}`, "fileId", nil},
		{"keystroke fileId too long", TypeKeystroke, `{"fileId":"` + long(257) + `","changes":[{"text":"a"}]}`, "fileId", nil},
		{"keystroke fileId 256", TypeKeystroke, `{"fileId":"` + long(256) + `","changes":[{"text":"a"}]}`, "", nil},
		{"keystroke negative offset", TypeKeystroke, `{"fileId":"f","changes":[{"offset":1},{"offset":-1}]}`, "changes[1].offset", nil},
		{"keystroke negative deleteCount", TypeKeystroke, `{"fileId":"f","changes":[{"offset":0,"deleteCount":-2}]}`, "changes[0].deleteCount", nil},
		{"keystroke fractional offset", TypeKeystroke, `{"fileId":"f","changes":[{"offset":1.5}]}`, "changes.offset", nil},
		{"keystroke offset as string", TypeKeystroke, `{"fileId":"f","changes":[{"offset":"1"}]}`, "changes.offset", nil},
		{"keystroke NUL in text", TypeKeystroke, `{"fileId":"f","changes":[{"offset":0,"text":"a\u0000"}]}`, "changes[0].text", nil},
		{"keystroke text too big", TypeKeystroke, `{"fileId":"f","changes":[{"offset":0,"text":"` + long(MaxTextBytes+1) + `"}]}`, "changes[0].text", nil},
		{"keystroke unknown field in change", TypeKeystroke, `{"fileId":"f","changes":[{"offset":0,"rangeLength":1}]}`, "rangeLength", nil},
		{"keystroke changes not an array", TypeKeystroke, `{"fileId":"f","changes":{}}`, "changes", nil},

		// code_snapshot
		{"code_snapshot", TypeCodeSnapshot, `{"fileId":"f","fileName":"src/main.py","content":"print(1)\r\n","language":"python"}`, "", nil},
		{"code_snapshot empty content", TypeCodeSnapshot, `{"fileId":"f","fileName":"a.py","content":""}`, "", nil},
		{"code_snapshot 1 MiB", TypeCodeSnapshot, `{"fileId":"f","fileName":"a.py","content":"` + long(MaxTextBytes) + `"}`, "", nil},
		{"code_snapshot over 1 MiB", TypeCodeSnapshot, `{"fileId":"f","fileName":"a.py","content":"` + long(MaxTextBytes+1) + `"}`, "content", nil},
		{"code_snapshot no fileName", TypeCodeSnapshot, `{"fileId":"f","content":"x"}`, "fileName", nil},
		{"code_snapshot absolute name", TypeCodeSnapshot, `{"fileId":"f","fileName":"/etc/passwd","content":"x"}`, "fileName", nil},
		{"code_snapshot language too long", TypeCodeSnapshot, `{"fileId":"f","fileName":"a","content":"","language":"` + long(65) + `"}`, "language", nil},
		{"code_snapshot content NUL", TypeCodeSnapshot, `{"fileId":"f","fileName":"a","content":"\u0000"}`, "content", nil},
		{"code_snapshot content not a string", TypeCodeSnapshot, `{"fileId":"f","fileName":"a","content":["x"]}`, "content", nil},

		// file_created
		{"file_created", TypeFileCreated, `{"fileId":"f","fileName":"lib/util.ts"}`, "", nil},
		{"file_created with content", TypeFileCreated, `{"fileId":"f","fileName":"u.ts","content":"export {}","language":"typescript"}`, "", nil},
		{"file_created dotdot", TypeFileCreated, `{"fileId":"f","fileName":"../u.ts"}`, "fileName", nil},
		{"file_created no fileId", TypeFileCreated, `{"fileName":"u.ts"}`, "fileId", nil},

		// file_deleted
		{"file_deleted", TypeFileDeleted, `{"fileId":"f"}`, "", nil},
		{"file_deleted with name", TypeFileDeleted, `{"fileId":"f","fileName":"a.go"}`, "", nil},
		{"file_deleted bad name", TypeFileDeleted, `{"fileId":"f","fileName":"a/../../b"}`, "fileName", nil},
		{"file_deleted no fileId", TypeFileDeleted, `{"fileName":"a.go"}`, "fileId", nil},

		// file_renamed
		{"file_renamed", TypeFileRenamed, `{"fileId":"f","oldName":"a.go","newName":"pkg/b.go"}`, "", nil},
		{"file_renamed no oldName", TypeFileRenamed, `{"fileId":"f","newName":"b.go"}`, "oldName", nil},
		{"file_renamed bad newName", TypeFileRenamed, `{"fileId":"f","oldName":"a.go","newName":"b\\c.go"}`, "newName", nil},

		// focus_change
		{"focus_change true", TypeFocusChange, `{"focused":true}`, "", nil},
		{"focus_change false", TypeFocusChange, `{"focused":false}`, "", nil},
		{"focus_change missing", TypeFocusChange, `{}`, "focused", nil},
		{"focus_change null", TypeFocusChange, `{"focused":null}`, "focused", nil},
		{"focus_change not a bool", TypeFocusChange, `{"focused":"yes"}`, "focused", nil},

		// idle_start
		{"idle_start", TypeIdleStart, `{}`, "", nil},
		{"idle_start no data", TypeIdleStart, ``, "", nil},
		{"idle_start null", TypeIdleStart, `null`, "", nil},
		{"idle_start unknown field", TypeIdleStart, `{"since":1}`, "since", nil},

		// idle_end
		{"idle_end", TypeIdleEnd, `{"durationMs":120000}`, "", nil},
		{"idle_end without duration", TypeIdleEnd, `{}`, "", nil},
		{"idle_end negative", TypeIdleEnd, `{"durationMs":-1}`, "durationMs", nil},

		// paste
		{"paste", TypePaste, `{"fileId":"f","offset":12,"text":"return x"}`, "", nil},
		{"paste empty text", TypePaste, `{"fileId":"f","offset":0,"text":""}`, "text", nil},
		{"paste negative offset", TypePaste, `{"fileId":"f","offset":-3,"text":"x"}`, "offset", nil},
		{"paste no fileId", TypePaste, `{"offset":0,"text":"x"}`, "fileId", nil},
		{"paste too big", TypePaste, `{"fileId":"f","offset":0,"text":"` + long(MaxTextBytes+1) + `"}`, "text", nil},

		// copy
		{"copy", TypeCopy, `{"text":"from the question"}`, "", nil},
		{"copy from a file", TypeCopy, `{"fileId":"f","text":"x"}`, "", nil},
		{"copy fileId too long", TypeCopy, `{"fileId":"` + long(300) + `","text":"x"}`, "fileId", nil},
		{"copy NUL", TypeCopy, `{"text":"\u0000"}`, "text", nil},

		// cursor
		{"cursor", TypeCursor, `{"fileId":"f","line":1,"column":1}`, "", nil},
		{"cursor with selection", TypeCursor, `{"fileId":"f","line":10,"column":4,"selectionLength":12}`, "", nil},
		{"cursor line 0", TypeCursor, `{"fileId":"f","line":0,"column":1}`, "line", nil},
		{"cursor no column", TypeCursor, `{"fileId":"f","line":2}`, "column", nil},
		{"cursor negative selection", TypeCursor, `{"fileId":"f","line":2,"column":1,"selectionLength":-1}`, "selectionLength", nil},
		{"cursor no fileId", TypeCursor, `{"line":2,"column":1}`, "fileId", nil},

		// strictness common to every type
		{"unknown top-level field", TypeCodeSnapshot, `{"fileId":"f","fileName":"a","content":"","extra":1}`, "extra", nil},
		{"trailing object", TypeIdleStart, `{} {}`, "", ErrMalformedEvent},
		{"trailing garbage", TypeIdleEnd, `{"durationMs":1}x`, "", ErrMalformedEvent},
		{"trailing whitespace is fine", TypeIdleEnd, "{\"durationMs\":1}\n\t ", "", nil},
		{"syntax error", TypeKeystroke, `{"fileId":"f",`, "", ErrMalformedEvent},
		{"array instead of object", TypeKeystroke, `[1,2]`, "", ErrMalformedEvent},
		{"string instead of object", TypeCursor, quoted("hello"), "", ErrMalformedEvent},
		{"unknown type", "mouse_move", `{}`, "", ErrUnknownEventType},
		{"server type", TypeTestRun, `{"passed":10,"total":10}`, "", ErrServerEventType},
		{"server type with empty data", TypeEvaluationCompleted, ``, "", ErrServerEventType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := DecodeClient(tc.eventType, json.RawMessage(tc.data))
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error = %v, want %v", err, tc.wantErr)
				}
				var ve *ValidationError
				if errors.As(err, &ve) {
					t.Errorf("error %v is also a *ValidationError", err)
				}
			case tc.wantField != "":
				var ve *ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("error = %v (%T), want *ValidationError on %q", err, err, tc.wantField)
				}
				if ve.Field != tc.wantField {
					t.Errorf("field = %q (%v), want %q", ve.Field, ve, tc.wantField)
				}
				if ve.Message == "" {
					t.Error("empty message")
				}
			default:
				if err != nil {
					t.Fatalf("error = %v", err)
				}
				if e.EventType() != tc.eventType {
					t.Errorf("decoded %T for %s", e, tc.eventType)
				}
			}
		})
	}
}

func TestDecodeClientReturnsTheFields(t *testing.T) {
	e, err := DecodeClient(TypeKeystroke, json.RawMessage(`{"fileId":"main","changes":[{"offset":2,"deleteCount":1,"text":"é"},{"offset":0,"text":"x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	k, ok := e.(*Keystroke)
	if !ok {
		t.Fatalf("got %T", e)
	}
	want := Keystroke{FileID: "main", Changes: []Change{{Offset: 2, DeleteCount: 1, Text: "é"}, {Offset: 0, Text: "x"}}}
	if k.FileID != want.FileID || len(k.Changes) != 2 || k.Changes[0] != want.Changes[0] || k.Changes[1] != want.Changes[1] {
		t.Errorf("got %+v, want %+v", *k, want)
	}

	e, err = DecodeClient(TypeFocusChange, json.RawMessage(`{"focused":false}`))
	if err != nil {
		t.Fatal(err)
	}
	if f := e.(*FocusChange); f.Focused == nil || *f.Focused {
		t.Errorf("focused = %v", f.Focused)
	}
}

func TestValidateFileName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"main.go", true},
		{"src/app/index.tsx", true},
		{".gitignore", true},
		{"a..b.txt", true},
		{"..hidden", true},
		{"名前/ファイル.py", true},
		{strings.Repeat("a", MaxFileNameBytes), true},
		{"", false},
		{strings.Repeat("a", MaxFileNameBytes+1), false},
		{strings.Repeat("é", MaxFileNameBytes/2+1), false},
		{"/abs.go", false},
		{"..", false},
		{"../x", false},
		{"a/../b", false},
		{"a/..", false},
		{"./a", false},
		{"a/./b", false},
		{"a//b", false},
		{"a/", false},
		{"a\x00b", false},
		{"a\nb", false},
		{"a\x7fb", false},
		{`a\b`, false},
		{`C:\x`, false},
		{"\xff\xfe", false},
	} {
		err := ValidateFileName("path", tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateFileName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
		var ve *ValidationError
		if err != nil && (!errors.As(err, &ve) || ve.Field != "path") {
			t.Errorf("ValidateFileName(%q) = %#v, want a *ValidationError on path", tc.name, err)
		}
	}
}
