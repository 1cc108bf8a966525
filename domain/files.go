package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// File is one file of the candidate's editor. ID is the editor's handle for it (stable across
// renames); Name is its path as the candidate sees it.
type File struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Language string `json:"language,omitempty"`
	Content  string `json:"content"`
}

// Files is the state of the candidate's editor: every file by its id. Events change it in log
// order; replaying a stream's events from a keyframe restores any moment exactly. The zero
// value is an empty editor. Files is a value: Clone before changing one that others hold.
type Files struct {
	byID map[string]File
}

// NewFiles returns an editor holding files.
func NewFiles(files ...File) Files {
	f := Files{byID: make(map[string]File, len(files))}
	for _, file := range files {
		f.byID[file.ID] = file
	}
	return f
}

// Clone returns a copy that can change without changing f (contents are shared strings).
func (f Files) Clone() Files { return Files{byID: maps.Clone(f.byID)} }

// Len is the number of files.
func (f Files) Len() int { return len(f.byID) }

// List returns the files ordered by name, then id.
func (f Files) List() []File {
	out := slices.Collect(maps.Values(f.byID))
	slices.SortFunc(out, func(a, b File) int {
		if a.Name != b.Name {
			if a.Name < b.Name {
				return -1
			}
			return 1
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

// ByName returns each file's content by its name, the shape clients read.
func (f Files) ByName() map[string]string {
	out := make(map[string]string, len(f.byID))
	for _, file := range f.byID {
		out[file.Name] = file.Content
	}
	return out
}

// Get returns the file with id.
func (f Files) Get(id string) (File, bool) {
	file, ok := f.byID[id]
	return file, ok
}

// MarshalJSON writes the files as a list ordered by name, so that equal states encode equally.
func (f Files) MarshalJSON() ([]byte, error) { return json.Marshal(f.List()) }

// UnmarshalJSON reads what MarshalJSON wrote.
func (f *Files) UnmarshalJSON(data []byte) error {
	var list []File
	if err := json.Unmarshal(data, &list); err != nil {
		return err
	}
	*f = NewFiles(list...)
	return nil
}

func (f *Files) put(file File) {
	if f.byID == nil {
		f.byID = map[string]File{}
	}
	f.byID[file.ID] = file
}

// idByName finds a file by its name: the server's own writes and the submission name files by
// path, not by the editor's id.
func (f Files) idByName(name string) (string, bool) {
	for id, file := range f.byID {
		if file.Name == name {
			return id, true
		}
	}
	return "", false
}

// ChangesFiles reports whether events of this type change the editor's files.
func ChangesFiles(eventType string) bool {
	switch eventType {
	case TypeKeystroke, TypeCodeSnapshot, TypeFileCreated, TypeFileDeleted, TypeFileRenamed, TypeFileWritten, TypeInterviewSubmitted:
		return true
	}
	return false
}

// Apply changes the files by one decoded event. Events that do not touch files leave them
// alone. A keystroke that does not fit its file (an offset past the end, a split surrogate
// pair) returns an error and changes nothing. A keystroke on a file the editor never announced
// creates it, named after its id: editors do not always send file_created for the first file.
func (f *Files) Apply(e Event) error {
	switch d := e.(type) {
	case *Keystroke:
		file, ok := f.byID[d.FileID]
		if !ok {
			file = File{ID: d.FileID, Name: d.FileID}
		}
		content, err := ApplyChanges(file.Content, d.Changes)
		if err != nil {
			return fmt.Errorf("file %q: %w", d.FileID, err)
		}
		file.Content = content
		f.put(file)
	case *CodeSnapshot:
		if err := f.checkPath(d.FileID, d.FileName); err != nil {
			return err
		}
		file := f.byID[d.FileID]
		file.ID, file.Name, file.Content = d.FileID, d.FileName, d.Content
		if d.Language != "" {
			file.Language = d.Language
		}
		f.put(file)
	case *FileCreated:
		if err := f.checkPath(d.FileID, d.FileName); err != nil {
			return err
		}
		f.put(File{ID: d.FileID, Name: d.FileName, Language: d.Language, Content: d.Content})
	case *FileDeleted:
		delete(f.byID, d.FileID)
	case *FileRenamed:
		if err := f.checkPath(d.FileID, d.NewName); err != nil {
			return err
		}
		file, ok := f.byID[d.FileID]
		if !ok {
			file = File{ID: d.FileID}
		}
		file.Name = d.NewName
		f.put(file)
	case *FileWritten:
		id, _ := f.idByName(d.Path)
		if err := f.checkPath(id, d.Path); err != nil {
			return err
		}
		f.writeByName(d.Path, d.Content)
	case *InterviewSubmitted:
		for _, name := range slices.Sorted(maps.Keys(d.FinalFiles)) {
			f.writeByName(name, d.FinalFiles[name])
		}
	}
	return nil
}

// ErrPathConflict means a file would sit where another file's folder is, or the other way
// round (a.py and a.py/b.py): a workspace on disk cannot hold both.
var ErrPathConflict = errors.New("a file and a folder would have the same path")

// checkPath refuses name for the file id when another file's path makes it a folder, or when
// it is a folder of another file.
func (f Files) checkPath(id, name string) error {
	for other, file := range f.byID {
		if other == id {
			continue
		}
		if strings.HasPrefix(file.Name, name+"/") || strings.HasPrefix(name, file.Name+"/") {
			return fmt.Errorf("%w: %q and %q", ErrPathConflict, name, file.Name)
		}
	}
	return nil
}

// IDFor is the id of the file named name, or the name itself for a file the editor does not
// have yet: the id an event about that file carries, so that the replay updates the editor's
// file instead of making a second one with the same name.
func (f Files) IDFor(name string) string {
	if id, ok := f.idByName(name); ok {
		return id
	}
	return name
}

func (f *Files) writeByName(name, content string) {
	id := f.IDFor(name)
	file := f.byID[id]
	file.ID, file.Name, file.Content = id, name, content
	f.put(file)
}
