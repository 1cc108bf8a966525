// Package workspace keeps each interview's working directory on disk: the candidate's files as
// the editor has them, plus whatever their terminal commands made. The event log is the truth
// for the editor's files; the directory is rebuilt from it whenever it is behind or lost.
package workspace

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// Limits of what the API reads and lists of a workspace.
const (
	MaxReadBytes   = 1 << 20
	MaxTreeEntries = 5_000
)

// ErrNotFound means the path names no file of the workspace.
var ErrNotFound = errors.New("workspace: no such file")

// ErrTooLarge means a file is over MaxReadBytes.
var ErrTooLarge = errors.New("workspace: file too large to read through the API")

// Store holds the workspaces under one directory. Every access goes through os.Root, so a
// symbolic link a candidate's command made cannot lead the server outside the workspace.
type Store struct {
	root     string
	uid, gid int // who owns the files, so that the sandbox's unprivileged user can change them
	mu       sync.Mutex
	locks    map[uuid.UUID]*sync.Mutex
}

// New returns a Store under root, creating it. uid and gid own what it writes (-1 to leave the
// owner alone, when the server itself is not root).
func New(root string, uid, gid int) (*Store, error) {
	if err := os.MkdirAll(root, 0o711); err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	return &Store{root: root, uid: uid, gid: gid, locks: map[uuid.UUID]*sync.Mutex{}}, nil
}

// Dir is the interview's workspace directory.
func (s *Store) Dir(interview uuid.UUID) string { return filepath.Join(s.root, interview.String()) }

func (s *Store) manifest(interview uuid.UUID) string {
	return filepath.Join(s.root, interview.String()+".files.json")
}

func (s *Store) lock(interview uuid.UUID) func() {
	s.mu.Lock()
	l, ok := s.locks[interview]
	if !ok {
		l = &sync.Mutex{}
		s.locks[interview] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// Sync makes the workspace hold the editor's files: it writes those that differ, deletes the
// ones the editor deleted since the last sync, and leaves alone what terminal commands made.
// It returns the directory.
func (s *Store) Sync(interview uuid.UUID, files domain.Files) (string, error) {
	defer s.lock(interview)()
	dir := s.Dir(interview)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("workspace: %w", err)
	}
	s.own(dir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", fmt.Errorf("workspace: %w", err)
	}
	defer root.Close()

	var previous []string
	if b, err := os.ReadFile(s.manifest(interview)); err == nil {
		_ = json.Unmarshal(b, &previous)
	}
	current := files.ByName()
	for _, name := range previous {
		if _, still := current[name]; !still {
			_ = root.Remove(name) // deleted or renamed in the editor
		}
	}
	names := make([]string, 0, len(current))
	for name, content := range current {
		names = append(names, name)
		if err := domain.ValidateFileName("fileName", name); err != nil {
			continue // the catalogue refuses such names; one from an old event is skipped
		}
		if old, err := readRegular(root, name, int64(len(content))+1); err == nil && string(old) == content {
			continue
		}
		if err := s.write(root, name, []byte(content)); err != nil {
			return "", err
		}
	}
	slices.Sort(names)
	b, _ := json.Marshal(names)
	if err := os.WriteFile(s.manifest(interview), b, 0o600); err != nil {
		return "", fmt.Errorf("workspace: %w", err)
	}
	return dir, nil
}

func (s *Store) write(root *os.Root, name string, content []byte) error {
	if d := path.Dir(name); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			// A terminal command may have left a file where the editor needs a folder: the
			// editor's files win (the catalogue never lets two of them collide like that).
			for p := d; p != "." && p != "/"; p = path.Dir(p) {
				if info, err := root.Lstat(p); err == nil && !info.IsDir() {
					_ = root.Remove(p)
				}
			}
			if err := root.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("workspace: %s: %w", name, err)
			}
		}
		for p := d; p != "." && p != "/"; p = path.Dir(p) {
			s.ownIn(root, p)
		}
	}
	// Remove first: the candidate's commands may have left a symbolic link, a named pipe or a
	// folder at this name, and writing must neither go through the link nor block on the pipe.
	_ = root.RemoveAll(name)
	if err := root.WriteFile(name, content, 0o644); err != nil {
		return fmt.Errorf("workspace: %s: %w", name, err)
	}
	s.ownIn(root, name)
	return nil
}

func (s *Store) own(dir string) {
	if s.uid >= 0 {
		_ = os.Lchown(dir, s.uid, s.gid)
	}
}

func (s *Store) ownIn(root *os.Root, name string) {
	if s.uid >= 0 {
		_ = root.Lchown(name, s.uid, s.gid)
	}
}

// Entry is one file or directory of a workspace.
type Entry struct {
	Path string `json:"path"`
	Dir  bool   `json:"dir"`
	Size int64  `json:"size"`
}

// Tree lists the workspace in lexical order of paths, at most MaxTreeEntries entries.
// Symbolic links are listed as files and never followed.
func (s *Store) Tree(interview uuid.UUID) ([]Entry, error) {
	defer s.lock(interview)()
	root, err := os.OpenRoot(s.Dir(interview))
	if errors.Is(err, fs.ErrNotExist) {
		return []Entry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	defer root.Close()
	var out []Entry
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		if len(out) >= MaxTreeEntries {
			return fs.SkipAll
		}
		e := Entry{Path: p, Dir: d.IsDir()}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			e.Size = info.Size()
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// Read returns one file's content.
func (s *Store) Read(interview uuid.UUID, name string) ([]byte, error) {
	name, err := clean(name)
	if err != nil {
		return nil, err
	}
	defer s.lock(interview)()
	root, err := os.OpenRoot(s.Dir(interview))
	if err != nil {
		return nil, ErrNotFound
	}
	defer root.Close()
	return readRegular(root, name, MaxReadBytes)
}

// readRegular reads a regular file of at most limit bytes. Anything else a candidate's command
// can leave at a name answers ErrNotFound: a folder, a link leading out, and above all a named
// pipe, whose plain open would block the server until someone writes to it. O_NONBLOCK makes
// opening a pipe return at once; the file's type is then checked on the open descriptor, so
// swapping the file in between changes nothing.
func readRegular(root *os.Root, name string, limit int64) ([]byte, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, ErrNotFound
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return nil, ErrNotFound
	}
	if info.Size() > limit {
		return nil, ErrTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("workspace: read %s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, ErrTooLarge
	}
	return b, nil
}

// Write writes one file (the PUT /files route; the caller records it as an event).
func (s *Store) Write(interview uuid.UUID, name string, content []byte) error {
	name, err := clean(name)
	if err != nil {
		return err
	}
	defer s.lock(interview)()
	dir := s.Dir(interview)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	s.own(dir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	defer root.Close()
	return s.write(root, name, content)
}

// clean checks a path the API was given, the same way the editor's file names are checked.
func clean(name string) (string, error) {
	name = strings.TrimPrefix(name, "/")
	if err := domain.ValidateFileName("path", name); err != nil {
		return "", err
	}
	return name, nil
}
