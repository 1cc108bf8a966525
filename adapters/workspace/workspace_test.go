package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

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

// TestWhatCommandsLeaveBehindNeverStallsOrBreaksTheWorkspace: a named pipe where a file is
// read would block a plain open forever; a folder where the editor has a file, or a file where
// it needs a folder, must not make every later sync fail.
func TestWhatCommandsLeaveBehindNeverStallsOrBreaksTheWorkspace(t *testing.T) {
	s, err := New(t.TempDir(), -1, -1)
	must(t, err)
	id := uuid.New()
	files := domain.NewFiles(domain.File{ID: "1", Name: "main.py", Content: "x"}, domain.File{ID: "2", Name: "lib/a.py", Content: "y"})
	dir, err := s.Sync(id, files)
	must(t, err)

	must(t, os.Remove(filepath.Join(dir, "main.py")))
	must(t, syscall.Mkfifo(filepath.Join(dir, "main.py"), 0o644))
	must(t, syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644))
	must(t, os.RemoveAll(filepath.Join(dir, "lib")))
	must(t, os.WriteFile(filepath.Join(dir, "lib"), []byte("a file where a folder was"), 0o644))

	done := make(chan error, 1)
	go func() {
		_, err := s.Sync(id, files)
		if err == nil {
			_, err = s.Read(id, "pipe")
			if errors.Is(err, ErrNotFound) {
				err = nil
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the workspace blocked on a named pipe")
	}
	for name, want := range map[string]string{"main.py": "x", "lib/a.py": "y"} {
		if b, err := s.Read(id, name); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v after repair", name, b, err)
		}
	}
	// A folder where the editor has a file.
	must(t, os.Remove(filepath.Join(dir, "main.py")))
	must(t, os.MkdirAll(filepath.Join(dir, "main.py", "x"), 0o755))
	if _, err := s.Sync(id, files); err != nil {
		t.Fatalf("sync over a folder: %v", err)
	}
	if b, err := s.Read(id, "main.py"); err != nil || string(b) != "x" {
		t.Errorf("main.py = %q, %v", b, err)
	}
}
