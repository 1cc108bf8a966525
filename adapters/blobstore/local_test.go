package blobstore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewLocalValidation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := map[string]struct {
		dir, base string
		secret    []byte
	}{
		"short secret": {dir, "http://x/files", testSecret[:MinSecretLen-1]},
		"no dir":       {"", "http://x/files", testSecret},
		"no base URL":  {dir, "", testSecret},
		"query in URL": {dir, "http://x/files?a=b", testSecret},
	}
	for name, c := range cases {
		if l, err := NewLocal(c.dir, c.secret, c.base); err == nil {
			_ = l.Close()
			t.Errorf("%s: NewLocal succeeded", name)
		}
	}
	nested := filepath.Join(dir, "a", "b")
	l, err := NewLocal(nested, testSecret[:MinSecretLen], "/files")
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Close()
	if fi, err := os.Stat(nested); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("created directory: %v, %v", fi, err)
	}
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// fetch GETs (or HEADs) link and returns the response with its body read.
func fetch(t *testing.T, method, link string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func wantAPIError(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("error = %+v, want code %q", e.Error, code)
	}
}

func TestLocalLinks(t *testing.T) {
	t.Parallel()
	l, _ := newTestLocal(t)
	ctx := context.Background()
	key := "links/session.json.gz"
	data := "0123456789abcdefghij"
	if err := l.Put(ctx, key, strings.NewReader(data), int64(len(data)), "application/gzip"); err != nil {
		t.Fatal(err)
	}
	link, _, err := l.URL(ctx, key, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	with := func(mutate func(q url.Values)) string {
		v := *u
		q := v.Query()
		mutate(q)
		v.RawQuery = q.Encode()
		return v.String()
	}

	t.Run("get", func(t *testing.T) {
		resp, body := fetch(t, http.MethodGet, link, nil)
		if resp.StatusCode != http.StatusOK || string(body) != data {
			t.Fatalf("%s %q", resp.Status, body)
		}
		h := resp.Header
		if h.Get("Content-Type") != "application/gzip" || h.Get("Content-Length") != "20" ||
			h.Get("Content-Disposition") != `attachment; filename="session.json.gz"` {
			t.Errorf("headers = %v", h)
		}
	})
	t.Run("head", func(t *testing.T) {
		resp, body := fetch(t, http.MethodHead, link, nil)
		if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.Header.Get("Content-Length") != "20" {
			t.Errorf("%s %q %v", resp.Status, body, resp.Header)
		}
	})
	t.Run("range", func(t *testing.T) {
		resp, body := fetch(t, http.MethodGet, link, http.Header{"Range": {"bytes=10-14"}})
		if resp.StatusCode != http.StatusPartialContent || string(body) != "abcde" {
			t.Errorf("%s %q", resp.Status, body)
		}
	})
	t.Run("tampered signature", func(t *testing.T) {
		sig := u.Query().Get("sig")
		flipped := "0"
		if sig[0] == '0' {
			flipped = "1"
		}
		resp, body := fetch(t, http.MethodGet, with(func(q url.Values) { q.Set("sig", flipped+sig[1:]) }), nil)
		wantAPIError(t, resp, body, http.StatusForbidden, "bad_signature")
	})
	t.Run("extended expiry", func(t *testing.T) {
		resp, body := fetch(t, http.MethodGet, with(func(q url.Values) { q.Set("expires", "99999999999") }), nil)
		wantAPIError(t, resp, body, http.StatusForbidden, "bad_signature")
	})
	t.Run("no signature", func(t *testing.T) {
		resp, body := fetch(t, http.MethodGet, with(func(q url.Values) { q.Del("sig") }), nil)
		wantAPIError(t, resp, body, http.StatusForbidden, "bad_signature")
	})
	t.Run("other key", func(t *testing.T) {
		other := strings.Replace(link, "session.json.gz", "session2.json.gz", 1)
		resp, body := fetch(t, http.MethodGet, other, nil)
		wantAPIError(t, resp, body, http.StatusForbidden, "bad_signature")
	})
	t.Run("missing object", func(t *testing.T) {
		gone, _, err := l.URL(ctx, "links/never-stored.json.gz", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := fetch(t, http.MethodGet, gone, nil)
		wantAPIError(t, resp, body, http.StatusNotFound, "not_found")
	})
	t.Run("method", func(t *testing.T) {
		resp, body := fetch(t, http.MethodPost, link, nil)
		wantAPIError(t, resp, body, http.StatusMethodNotAllowed, "method_not_allowed")
	})
}

// TestLocalLinkExpiry moves the injected clock instead of sleeping, and checks that the link
// works up to and including the second expiresAt names.
func TestLocalLinkExpiry(t *testing.T) {
	t.Parallel()
	l, _ := newTestLocal(t)
	ctx := context.Background()
	if err := l.Put(ctx, "expiry.bin", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatal(err)
	}
	issued := time.Unix(1_700_000_000, 500_000_000)
	l.now = func() time.Time { return issued }
	link, expiresAt, err := l.URL(ctx, "expiry.bin", 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(1_700_000_090, 0); !expiresAt.Equal(want) {
		t.Errorf("expiresAt = %v, want %v", expiresAt, want)
	}
	if !strings.Contains(link, "expires=1700000090&") {
		t.Errorf("link %s lacks the expiry", link)
	}
	serve := func(at time.Time) *httptest.ResponseRecorder {
		l.now = func() time.Time { return at }
		u, _ := url.Parse(link)
		r := httptest.NewRequest(http.MethodGet, u.RequestURI(), nil)
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/files")
		w := httptest.NewRecorder()
		l.ServeHTTP(w, r)
		return w
	}
	if w := serve(expiresAt); w.Code != http.StatusOK {
		t.Errorf("at expiresAt: %d %s", w.Code, w.Body)
	}
	w := serve(expiresAt.Add(time.Second))
	wantAPIError(t, w.Result(), w.Body.Bytes(), http.StatusForbidden, "link_expired")
}

// TestLocalNoEscape plants files and symlinks around the store's directory and checks that
// no key, signed or not, reaches outside it.
func TestLocalNoEscape(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	if err := os.MkdirAll(outside, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "store")
	l, err := NewLocal(dir, testSecret, "http://files.example")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "file-link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside", filepath.Join(dir, "dir-link")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if _, _, err := l.Get(ctx, "../outside/secret.txt"); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("Get with .. = %v, want ErrInvalidKey", err)
	}
	for _, key := range []string{"file-link.txt", "dir-link/secret.txt"} {
		if rc, _, err := l.Get(ctx, key); err == nil {
			b, _ := io.ReadAll(rc)
			_ = rc.Close()
			t.Errorf("Get(%q) through a symlink read %q", key, b)
		}
		if _, err := l.Stat(ctx, key); err == nil {
			t.Errorf("Stat(%q) through a symlink succeeded", key)
		}
	}
	if err := l.Put(ctx, "dir-link/planted.txt", strings.NewReader("x"), 1, ""); err == nil {
		t.Error("Put through a symlinked directory succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file planted outside the store: %v", err)
	}

	// Even a correctly signed link for a traversal path is refused before touching the disk;
	// the handler is called directly because HTTP clients clean such paths themselves.
	for _, p := range []string{"../outside/secret.txt", "/../outside/secret.txt", "file-link.txt"} {
		key := strings.TrimPrefix(p, "/")
		exp := "99999999999"
		r := httptest.NewRequest(http.MethodGet, "/x?expires="+exp+"&sig="+hexSig(l, key, exp), nil)
		r.URL.Path = p
		w := httptest.NewRecorder()
		l.ServeHTTP(w, r)
		if w.Code == http.StatusOK || strings.Contains(w.Body.String(), "secret") {
			t.Errorf("signed request for %q: %d %s", p, w.Code, w.Body)
		}
	}
}

func hexSig(l *Local, key, expires string) string {
	return hex.EncodeToString(l.sign(key, expires))
}

// TestLocalLeavesNoTempFiles checks that uploads leave only the object and its sidecar, even
// when they fail halfway, so the directory does not fill with debris.
func TestLocalLeavesNoTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, err := NewLocal(dir, testSecret, "http://files.example")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	ctx := context.Background()
	if err := l.Put(ctx, "a/ok.bin", strings.NewReader("ok"), 2, ""); err != nil {
		t.Fatal(err)
	}
	if err := l.Put(ctx, "a/short.bin", nonSeekable{strings.NewReader("short")}, 10, ""); err == nil {
		t.Error("short body accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.Put(cancelled, "a/cancelled.bin", strings.NewReader("x"), 1, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context = %v", err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "ok.bin,ok.bin~meta" {
		t.Errorf("directory holds %v", names)
	}
	if fi, err := os.Stat(filepath.Join(dir, "a", "ok.bin")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("object file: %v %v", fi, err)
	}
	if err := l.Delete(ctx, "a/ok.bin"); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "a")); len(entries) != 0 {
		t.Errorf("Delete left %v", entries)
	}
}

// TestLocalForeignFiles covers archives copied into the directory by hand (no sidecar) and
// keys that name a directory rather than an object.
func TestLocalForeignFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, err := NewLocal(dir, testSecret, "http://files.example")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	ctx := context.Background()
	if err := os.WriteFile(filepath.Join(dir, "copied.json"), []byte("{}"), 0o640); err != nil {
		t.Fatal(err)
	}
	info, err := l.Stat(ctx, "copied.json")
	if err != nil || info.ContentType != "application/json" || info.Size != 2 {
		t.Errorf("Stat of a file without sidecar = %+v, %v", info, err)
	}
	if err := l.Put(ctx, "dir/child.bin", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Stat(ctx, "dir"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat of a directory = %v, want ErrNotFound", err)
	}
	if _, _, err := l.Get(ctx, "dir"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a directory = %v, want ErrNotFound", err)
	}
	if err := l.Delete(ctx, "dir"); err != nil {
		t.Errorf("Delete of a directory = %v", err)
	}
	if _, err := l.Stat(ctx, "dir/child.bin"); err != nil {
		t.Errorf("Delete of the parent key removed its children: %v", err)
	}
	if _, err := l.Stat(ctx, "dir/child.bin/deeper"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat below an object = %v, want ErrNotFound", err)
	}
}
