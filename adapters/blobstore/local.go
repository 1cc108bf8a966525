package blobstore

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// MinSecretLen is the shortest link secret NewLocal accepts: HMAC-SHA256 is only as strong as
// its key, and anything under the 32-byte hash size makes forging links cheaper than it must be.
const MinSecretLen = 32

// Names the local store creates next to archives contain '~', which ValidKey never allows,
// so they cannot collide with a key or be fetched through the store.
const (
	metaSuffix = "~meta"
	tempPrefix = ".~tmp-"
)

// Local is a Store in a directory on this machine, for single-node deployments.
//
// Every access goes through an os.Root, so not even a symlink planted in the directory lets a
// key reach files outside it. Objects are written to a temporary file beside the target,
// fsynced and renamed, so readers see either the old or the new archive, never a partial one,
// even after a crash. The content type is kept in a sidecar file next to each object.
//
// Because keys map to paths, a key cannot be both an object and a "directory" of other keys
// ("a" and "a/b"); S3 allows that, so keep key layouts flat-per-level for portability.
//
// Local is also the http.Handler that serves the links URL returns. The handler expects the
// request path to be the key, so mount it under the path of baseURL with http.StripPrefix:
//
//	store, _ := blobstore.NewLocal(dir, secret, "https://api.example.com/files")
//	mux.Handle("/files/", http.StripPrefix("/files", store))
type Local struct {
	root    *os.Root
	secret  []byte
	baseURL string
	// now is the clock for link expiry; tests replace it.
	now func() time.Time
	// locks order the two renames of a Put (sidecar, then object) against readers, so Get
	// never pairs one upload's bytes with another's content type. Striped by key hash: a
	// lock per key would need cleanup, a single lock would serialise unrelated keys.
	locks [64]sync.RWMutex
}

var (
	_ Store        = (*Local)(nil)
	_ http.Handler = (*Local)(nil)
)

// NewLocal opens (creating with mode 0o750 if needed) the directory dir. secret signs
// download links and must be at least MinSecretLen bytes; baseURL is the absolute or
// root-relative URL under which the caller mounts the Local handler.
func NewLocal(dir string, secret []byte, baseURL string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blobstore: local directory is required")
	}
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("blobstore: local link secret must be at least %d bytes, got %d", MinSecretLen, len(secret))
	}
	u, err := url.Parse(baseURL)
	if err != nil || baseURL == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("blobstore: local base URL %q must be a URL without query or fragment", baseURL)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("blobstore: create local directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("blobstore: open local directory: %w", err)
	}
	return &Local{
		root:    root,
		secret:  append([]byte(nil), secret...),
		baseURL: strings.TrimRight(baseURL, "/"),
		now:     time.Now,
	}, nil
}

// Close releases the directory handle.
func (l *Local) Close() error { return l.root.Close() }

// Name implements Store.
func (l *Local) Name() string { return "local" }

func (l *Local) lock(key string) *sync.RWMutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return &l.locks[h.Sum32()%uint32(len(l.locks))]
}

type localMeta struct {
	ContentType string `json:"contentType"`
}

// Put implements Store.
func (l *Local) Put(ctx context.Context, key string, body io.Reader, size int64, contentType string) (err error) {
	if err := ValidKey(key); err != nil {
		return err
	}
	if contentType == "" {
		contentType = defaultContentType
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("blobstore: put %s: %w", key, err)
		}
	}()
	dir := path.Dir(key)
	if err := l.root.MkdirAll(dir, 0o750); err != nil {
		return err
	}

	src := io.Reader(ctxReader{ctx, body})
	if size >= 0 {
		// One byte past size is enough to detect an over-long body without storing all of it.
		src = io.LimitReader(src, size+1)
	}
	dataTmp, err := l.writeTemp(dir, src, size)
	if err != nil {
		return err
	}
	defer func() { _ = l.root.Remove(dataTmp) }() // fails harmlessly once renamed

	meta, err := json.Marshal(localMeta{ContentType: contentType})
	if err != nil {
		return err
	}
	metaTmp, err := l.writeTemp(dir, strings.NewReader(string(meta)), int64(len(meta)))
	if err != nil {
		return err
	}
	defer func() { _ = l.root.Remove(metaTmp) }()

	mu := l.lock(key)
	mu.Lock()
	err = l.root.Rename(metaTmp, key+metaSuffix)
	if err == nil {
		err = l.root.Rename(dataTmp, key)
	}
	mu.Unlock()
	if err != nil {
		return err
	}
	// The renames are only durable once the directory entry is on disk.
	return l.syncDir(dir)
}

// writeTemp writes src to a new temporary file in dir, checks its length against size (when
// non-negative) and fsyncs it. It returns the file's name relative to the root.
func (l *Local) writeTemp(dir string, src io.Reader, size int64) (name string, err error) {
	var f *os.File
	for range 5 {
		var rnd [12]byte
		_, _ = rand.Read(rnd[:])
		name = path.Join(dir, tempPrefix+hex.EncodeToString(rnd[:]))
		f, err = l.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			_ = l.root.Remove(name)
			name = ""
		}
	}()
	n, err := io.Copy(f, src)
	if err != nil {
		return name, err
	}
	if size >= 0 && n != size {
		return name, fmt.Errorf("body has %s bytes, size says %d", countString(n, size), size)
	}
	return name, f.Sync()
}

func (l *Local) syncDir(dir string) error {
	d, err := l.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get implements Store.
func (l *Local) Get(_ context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	f, info, err := l.open(key)
	if err != nil {
		return nil, Info{}, err
	}
	return f, info, nil
}

// open returns the object and its description, read under the key's lock so both belong to
// the same Put; the open file keeps its contents even if a later Put replaces it.
func (l *Local) open(key string) (*os.File, Info, error) {
	mu := l.lock(key)
	mu.RLock()
	defer mu.RUnlock()
	f, err := l.root.Open(key)
	if err != nil {
		return nil, Info{}, localError("get", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, Info{}, localError("get", key, err)
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, Info{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return f, l.info(key, fi), nil
}

// Stat implements Store.
func (l *Local) Stat(_ context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	mu := l.lock(key)
	mu.RLock()
	defer mu.RUnlock()
	fi, err := l.root.Stat(key)
	if err != nil {
		return Info{}, localError("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return Info{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return l.info(key, fi), nil
}

// info must be called with the key's lock held.
func (l *Local) info(key string, fi fs.FileInfo) Info {
	return Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime(), ContentType: l.contentType(key)}
}

// contentType reads the sidecar; files placed in the directory by hand have none, and get a
// type guessed from their extension.
func (l *Local) contentType(key string) string {
	if b, err := l.root.ReadFile(key + metaSuffix); err == nil {
		var m localMeta
		if json.Unmarshal(b, &m) == nil && m.ContentType != "" {
			return m.ContentType
		}
	}
	if ct := mime.TypeByExtension(path.Ext(key)); ct != "" {
		return ct
	}
	return defaultContentType
}

// Delete implements Store.
func (l *Local) Delete(_ context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	mu := l.lock(key)
	mu.Lock()
	defer mu.Unlock()
	// A directory at key holds other keys' objects; it is not this object, so leave it.
	if fi, err := l.root.Lstat(key); err == nil && fi.IsDir() {
		return nil
	}
	for _, name := range []string{key, key + metaSuffix} {
		if err := l.root.Remove(name); err != nil && !isNotExist(err) {
			return fmt.Errorf("blobstore: delete %s: %w", key, err)
		}
	}
	return nil
}

func isNotExist(err error) bool {
	// ENOTDIR: a prefix of the key is a file, so the key cannot exist either.
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func localError(op, key string, err error) error {
	if isNotExist(err) {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("blobstore: %s %s: %w", op, key, err)
}

// URL implements Store. The link carries its expiry and an HMAC over key and expiry, so the
// handler can check it without any server-side state.
func (l *Local) URL(_ context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	if err := ValidKey(key); err != nil {
		return "", time.Time{}, err
	}
	if err := checkTTL(ttl); err != nil {
		return "", time.Time{}, err
	}
	// Links carry whole seconds; expiresAt reports the second the handler will enforce.
	expiresAt := time.Unix(l.now().Add(ttl).Unix(), 0)
	expires := strconv.FormatInt(expiresAt.Unix(), 10)
	link := l.baseURL + "/" + key + "?expires=" + expires + "&sig=" + hex.EncodeToString(l.sign(key, expires))
	return link, expiresAt, nil
}

// sign is HMAC-SHA256(secret, key + "\n" + expires). The separator keeps (key, expires)
// pairs unambiguous, since keys may end in digits.
func (l *Local) sign(key, expires string) []byte {
	m := hmac.New(sha256.New, l.secret)
	_, _ = io.WriteString(m, key+"\n"+expires)
	return m.Sum(nil)
}

// ServeHTTP serves GET and HEAD for links made by URL. The request path, after the caller's
// http.StripPrefix, is the key. Forged or tampered links get 403 bad_signature, outdated ones
// 403 link_expired, and missing objects 404; the object itself is sent as an attachment with
// range support.
func (l *Local) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "only GET and HEAD are allowed")
		return
	}
	key := strings.TrimPrefix(r.URL.Path, "/")
	if ValidKey(key) != nil {
		writeError(w, http.StatusNotFound, "not_found", "no such archive")
		return
	}
	q := r.URL.Query()
	expires := q.Get("expires")
	sig, err := hex.DecodeString(q.Get("sig"))
	// The signature is checked before the expiry so that an altered expiry reads as forged.
	if err != nil || !hmac.Equal(sig, l.sign(key, expires)) {
		writeError(w, http.StatusForbidden, "bad_signature", "the download link is not valid")
		return
	}
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		writeError(w, http.StatusForbidden, "bad_signature", "the download link is not valid")
		return
	}
	if l.now().Unix() > exp {
		writeError(w, http.StatusForbidden, "link_expired", "the download link has expired")
		return
	}
	f, info, err := l.open(key)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no such archive")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "the archive could not be read")
		return
	}
	defer func() { _ = f.Close() }()
	h := w.Header()
	h.Set("Content-Type", info.ContentType)
	h.Set("Content-Disposition", attachment(key))
	// The content is user data: never let a browser sniff it into something executable.
	h.Set("X-Content-Type-Options", "nosniff")
	// The link is a bearer credential; shared caches must not keep what it unlocked.
	h.Set("Cache-Control", "private")
	http.ServeContent(w, r, "", info.ModTime, f)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	type body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	var b body
	b.Error.Code, b.Error.Message = code, message
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(b)
}
