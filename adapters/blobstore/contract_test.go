package blobstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

const testBucket = "archives"

var testSecret = []byte("0123456789abcdef0123456789abcdef-test-secret")

// newTestS3 serves gofakes3 over real HTTP so the SDK's signing, checksums and error
// decoding are exercised as against a real S3-compatible endpoint.
func newTestS3(t *testing.T) *S3 {
	t.Helper()
	backend := s3mem.New()
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	ts := httptest.NewServer(faker.Server())
	t.Cleanup(ts.Close)
	if err := backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	s, err := NewS3(context.Background(), S3Config{
		Bucket:          testBucket,
		Region:          "us-east-1",
		Endpoint:        ts.URL,
		UsePathStyle:    true,
		AccessKeyID:     "test-access-key",
		SecretAccessKey: "test-secret-key",
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newTestLocal mounts the store the way the docs tell callers to, under /files/ with
// http.StripPrefix, so the links it makes are fetched through the real handler.
func newTestLocal(t *testing.T) (*Local, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	l, err := NewLocal(t.TempDir(), testSecret, ts.URL+"/files/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	mux.Handle("/files/", http.StripPrefix("/files", l))
	return l, ts
}

func TestStoreContract(t *testing.T) {
	t.Parallel()
	impls := []struct {
		name string
		new  func(t *testing.T) Store
	}{
		{"s3", func(t *testing.T) Store { return newTestS3(t) }},
		{"local", func(t *testing.T) Store { l, _ := newTestLocal(t); return l }},
	}
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			s := impl.new(t)
			if s.Name() != impl.name {
				t.Errorf("Name() = %q, want %q", s.Name(), impl.name)
			}
			for _, c := range contractCases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t, s)
				})
			}
		})
	}
}

var contractCases = []struct {
	name string
	run  func(t *testing.T, s Store)
}{
	{"round_trip", testRoundTrip},
	{"default_content_type", testDefaultContentType},
	{"stat", testStat},
	{"overwrite", testOverwrite},
	{"missing_key", testMissingKey},
	{"delete_idempotent", testDeleteIdempotent},
	{"invalid_keys", testInvalidKeys},
	{"size_mismatch", testSizeMismatch},
	{"seekable_from_offset", testSeekableFromOffset},
	{"unknown_size", testUnknownSize},
	{"large_non_seekable", testLargeNonSeekable},
	{"url_download", testURLDownload},
	{"url_ttl_bounds", testURLTTLBounds},
}

// nonSeekable hides any Seek method, as an HTTP request body or a gzip writer pipe would.
type nonSeekable struct{ io.Reader }

func put(t *testing.T, s Store, key string, data []byte, ct string) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), ct); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func get(t *testing.T, s Store, key string) ([]byte, Info) {
	t.Helper()
	rc, info, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b, info
}

func testRoundTrip(t *testing.T, s Store) {
	key := "sessions/2025/01/round-trip.json.gz"
	data := []byte("\x1f\x8b\x08\x00 not really gzip but binary enough \x00\xff")
	before := time.Now().Add(-time.Minute)
	put(t, s, key, data, "application/gzip")
	got, info := get(t, s, key)
	if !bytes.Equal(got, data) {
		t.Fatalf("Get returned %q, want %q", got, data)
	}
	if info.Key != key || info.Size != int64(len(data)) || info.ContentType != "application/gzip" {
		t.Errorf("Get info = %+v", info)
	}
	if info.ModTime.Before(before) {
		t.Errorf("ModTime %v is older than the Put", info.ModTime)
	}
}

func testDefaultContentType(t *testing.T, s Store) {
	put(t, s, "default-ct.bin", []byte("x"), "")
	info, err := s.Stat(context.Background(), "default-ct.bin")
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != defaultContentType {
		t.Errorf("ContentType = %q, want %q", info.ContentType, defaultContentType)
	}
}

func testStat(t *testing.T, s Store) {
	key := "stat/archive.json.gz"
	data := bytes.Repeat([]byte("a"), 12345)
	put(t, s, key, data, "application/json")
	info, err := s.Stat(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if info.Key != key || info.Size != 12345 || info.ContentType != "application/json" || info.ModTime.IsZero() {
		t.Errorf("Stat = %+v", info)
	}
}

func testOverwrite(t *testing.T, s Store) {
	key := "overwrite.json.gz"
	put(t, s, key, []byte("first version, longer"), "application/json")
	put(t, s, key, []byte("second"), "application/gzip")
	got, info := get(t, s, key)
	if string(got) != "second" || info.Size != 6 || info.ContentType != "application/gzip" {
		t.Errorf("after overwrite: %q %+v", got, info)
	}
	st, err := s.Stat(context.Background(), key)
	if err != nil || st.Size != 6 {
		t.Errorf("Stat after overwrite = %+v, %v", st, err)
	}
}

func testMissingKey(t *testing.T, s Store) {
	ctx := context.Background()
	for _, key := range []string{"missing.json.gz", "missing/dir/archive.json.gz"} {
		if rc, _, err := s.Get(ctx, key); !errors.Is(err, ErrNotFound) {
			if rc != nil {
				_ = rc.Close()
			}
			t.Errorf("Get(%q) error = %v, want ErrNotFound", key, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat(%q) error = %v, want ErrNotFound", key, err)
		}
	}
}

func testDeleteIdempotent(t *testing.T, s Store) {
	ctx := context.Background()
	key := "delete/me.json.gz"
	put(t, s, key, []byte("bye"), "application/gzip")
	for i := range 2 {
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if _, err := s.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "never/existed.json.gz"); err != nil {
		t.Errorf("Delete of a never-stored key: %v", err)
	}
}

var invalidKeys = []string{
	"", "/abs.json", "a//b", "a/", "./a", "a/./b", "..", "../escape", "a/../../b", "a/..",
	`a\b`, "a\x00b", "a b", "a?b", "a%2e", "é", "a~meta", strings.Repeat("a", MaxKeyLen+1),
}

func testInvalidKeys(t *testing.T, s Store) {
	ctx := context.Background()
	for _, key := range invalidKeys {
		checks := map[string]error{}
		checks["Put"] = s.Put(ctx, key, strings.NewReader("x"), 1, "")
		rc, _, err := s.Get(ctx, key)
		if rc != nil {
			_ = rc.Close()
		}
		checks["Get"] = err
		_, checks["Stat"] = s.Stat(ctx, key)
		checks["Delete"] = s.Delete(ctx, key)
		_, _, checks["URL"] = s.URL(ctx, key, time.Minute)
		for op, err := range checks {
			if !errors.Is(err, ErrInvalidKey) {
				t.Errorf("%s(%q) error = %v, want ErrInvalidKey", op, key, err)
			}
		}
	}
}

func testSizeMismatch(t *testing.T, s Store) {
	ctx := context.Background()
	bodies := map[string]func() io.Reader{
		"seekable":     func() io.Reader { return strings.NewReader("12345") },
		"non-seekable": func() io.Reader { return nonSeekable{strings.NewReader("12345")} },
	}
	for name, body := range bodies {
		for _, size := range []int64{4, 6} {
			key := "mismatch/" + name + ".bin"
			if err := s.Put(ctx, key, body(), size, ""); err == nil {
				t.Errorf("Put of 5 bytes from a %s reader with size %d succeeded", name, size)
			}
			if _, err := s.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Errorf("after a failed %s Put, Stat = %v, want ErrNotFound", name, err)
			}
		}
	}
}

func testSeekableFromOffset(t *testing.T, s Store) {
	r := strings.NewReader("skip:payload")
	if _, err := r.Seek(5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), "offset.bin", r, 7, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, s, "offset.bin"); string(got) != "payload" {
		t.Errorf("got %q, want the bytes after the reader's position", got)
	}
}

func testUnknownSize(t *testing.T, s Store) {
	ctx := context.Background()
	if err := s.Put(ctx, "unknown/plain.bin", nonSeekable{strings.NewReader("no size given")}, -1, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "unknown/seekable.bin", strings.NewReader("no size given"), -1, ""); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"unknown/plain.bin", "unknown/seekable.bin"} {
		if got, info := get(t, s, key); string(got) != "no size given" || info.Size != 13 {
			t.Errorf("%s: %q %+v", key, got, info)
		}
	}
}

func testLargeNonSeekable(t *testing.T, s Store) {
	const size = 20 << 20
	random := func() io.Reader {
		return io.LimitReader(rand.NewChaCha8([32]byte{7}), size)
	}
	want := sha256.New()
	if _, err := io.Copy(want, random()); err != nil {
		t.Fatal(err)
	}
	key := "large/archive.json.gz"
	if err := s.Put(context.Background(), key, nonSeekable{random()}, size, "application/gzip"); err != nil {
		t.Fatal(err)
	}
	rc, info, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	got := sha256.New()
	n, err := io.Copy(got, rc)
	if err != nil {
		t.Fatal(err)
	}
	if n != size || info.Size != size {
		t.Errorf("read %d bytes, Info.Size %d, want %d", n, info.Size, size)
	}
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Error("20 MB body came back different")
	}
}

func testURLDownload(t *testing.T, s Store) {
	key := "links/download.json.gz"
	data := []byte("archive served through a link")
	put(t, s, key, data, "application/gzip")
	ttl := 5 * time.Minute
	start := time.Now()
	link, expiresAt, err := s.URL(context.Background(), key, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if expiresAt.Before(start.Add(ttl-2*time.Second)) || expiresAt.After(time.Now().Add(ttl)) {
		t.Errorf("expiresAt %v is not about now + %v", expiresAt, ttl)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", link, resp.Status, body)
	}
	if !bytes.Equal(body, data) {
		t.Errorf("downloaded %q, want %q", body, data)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="download.json.gz"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
}

func testURLTTLBounds(t *testing.T, s Store) {
	ctx := context.Background()
	for _, ttl := range []time.Duration{-time.Minute, 0, time.Millisecond, MaxURLTTL + time.Second} {
		if _, _, err := s.URL(ctx, "ttl.bin", ttl); err == nil {
			t.Errorf("URL with ttl %v succeeded", ttl)
		}
	}
	if _, _, err := s.URL(ctx, "ttl.bin", MaxURLTTL); err != nil {
		t.Errorf("URL with the maximum ttl: %v", err)
	}
}
