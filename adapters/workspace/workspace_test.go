package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

func TestSyncWritesTheEditorsFilesAndKeepsTheTerminals(t *testing.T) {
	s, err := New(t.TempDir(), -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.New()
	files := domain.NewFiles(domain.File{ID: "1", Name: "main.py", Content: "print('é😀')\r\n"}, domain.File{ID: "2", Name: "pkg/util.py", Content: "x = 1\n"})
	dir, err := s.Sync(id, files)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "main.py")); string(b) != "print('é😀')\r\n" {
		t.Fatalf("main.py = %q", b)
	}
	// A terminal command makes a file; the editor renames util.py.
	must(t, os.WriteFile(filepath.Join(dir, "out.txt"), []byte("made by ls"), 0o644))
	files = domain.NewFiles(domain.File{ID: "1", Name: "main.py", Content: "print(1)\n"}, domain.File{ID: "2", Name: "pkg/helpers.py", Content: "x = 1\n"})
	if _, err := s.Sync(id, files); err != nil {
		t.Fatal(err)
	}
	tree, err := s.Tree(id)
	must(t, err)
	var paths []string
	for _, e := range tree {
		paths = append(paths, e.Path)
	}
	want := []string{"main.py", "out.txt", "pkg", "pkg/helpers.py"}
	if !slices.Equal(paths, want) {
		t.Fatalf("tree = %v, want %v", paths, want)
	}
	// Lost on disk: the next sync restores the editor's files.
	must(t, os.RemoveAll(dir))
	if _, err := s.Sync(id, files); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Read(id, "/pkg/helpers.py"); err != nil || string(b) != "x = 1\n" {
		t.Fatalf("restored file = %q, %v", b, err)
	}
}

func TestLinksNeverLeadOutOfTheWorkspace(t *testing.T) {
	s, err := New(t.TempDir(), -1, -1)
	must(t, err)
	id := uuid.New()
	dir, err := s.Sync(id, domain.NewFiles(domain.File{ID: "1", Name: "a.py", Content: "x"}))
	must(t, err)
	secret := filepath.Join(t.TempDir(), "secret")
	must(t, os.WriteFile(secret, []byte("host secret"), 0o600))
	// What a candidate's `ln -s` would leave behind.
	must(t, os.Symlink(secret, filepath.Join(dir, "leak")))
	must(t, os.Symlink(secret, filepath.Join(dir, "b.py")))
	if b, err := s.Read(id, "leak"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read through a link out: %q, %v", b, err)
	}
	// Writing b.py (the editor has it) replaces the link instead of writing through it.
	_, err = s.Sync(id, domain.NewFiles(domain.File{ID: "1", Name: "a.py", Content: "x"}, domain.File{ID: "2", Name: "b.py", Content: "mine"}))
	must(t, err)
	if b, _ := os.ReadFile(secret); string(b) != "host secret" {
		t.Fatalf("the host file was overwritten: %q", b)
	}
	must(t, s.Write(id, "leak", []byte("over")))
	if b, _ := os.ReadFile(secret); string(b) != "host secret" {
		t.Fatalf("the host file was overwritten through Write: %q", b)
	}
	for _, bad := range []string{"../escape", "/abs/../../x", "a/../../b", ""} {
		if err := s.Write(id, bad, []byte("x")); err == nil {
			t.Errorf("Write(%q) accepted", bad)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
