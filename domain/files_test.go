package domain

import (
	"errors"
	"testing"
)

func TestAFileAndAFolderCannotShareAPath(t *testing.T) {
	f := NewFiles(File{ID: "1", Name: "lib/a.py"}, File{ID: "2", Name: "main.py"})
	for _, e := range []Event{
		&FileCreated{FileID: "3", FileName: "lib"},
		&FileCreated{FileID: "3", FileName: "main.py/x.py"},
		&FileRenamed{FileID: "2", OldName: "main.py", NewName: "lib"},
		&FileWritten{Path: "main.py/y", Content: "z"},
		&CodeSnapshot{FileID: "4", FileName: "lib", Content: "x"},
	} {
		before := f.Clone()
		if err := f.Apply(e); !errors.Is(err, ErrPathConflict) {
			t.Errorf("%#v: err = %v, want ErrPathConflict", e, err)
		}
		if len(f.List()) != len(before.List()) {
			t.Errorf("%#v changed the files", e)
		}
	}
	// Renaming a file to its own folder's sibling, or rewriting it, is fine.
	if err := f.Apply(&FileRenamed{FileID: "1", OldName: "lib/a.py", NewName: "lib/b.py"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Apply(&FileWritten{Path: "lib/b.py", Content: "new"}); err != nil {
		t.Fatal(err)
	}
}
