// Package blobstore keeps session archives (gzip JSON, from a few KB to about 100 MB) outside
// the event store, either in S3 or any S3-compatible service, or in a local directory for a
// single-machine deployment. Callers depend on Store so that the choice is configuration only.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Store is where archives live. Implementations are safe for concurrent use.
type Store interface {
	// Put stores body under key, replacing any previous object. size is the exact number of
	// bytes body yields (a mismatch is an error, so a truncated upload is never stored);
	// a negative size means unknown. An empty contentType is stored as
	// application/octet-stream.
	Put(ctx context.Context, key string, body io.Reader, size int64, contentType string) error
	// Get opens the object; the caller must close the reader. A missing key is ErrNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Stat describes the object without reading it. A missing key is ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object; a missing key is not an error, so retries are safe.
	Delete(ctx context.Context, key string) error
	// URL returns a download link valid until expiresAt, for clients that fetch the archive
	// without going through our API. ttl must be in (0, MaxURLTTL].
	URL(ctx context.Context, key string, ttl time.Duration) (url string, expiresAt time.Time, err error)
	// Name is "s3" or "local", for logs and health checks.
	Name() string
}

// Info describes a stored object.
type Info struct {
	Key         string
	Size        int64
	ModTime     time.Time
	ContentType string
}

// MaxURLTTL is the longest lifetime of a download link. It is S3's limit for SigV4 presigned
// URLs; the local store enforces it too so that both behave alike.
const MaxURLTTL = 7 * 24 * time.Hour

// MaxKeyLen is the longest key ValidKey accepts, in bytes.
const MaxKeyLen = 512

// defaultContentType is used when Put gets none; S3 would otherwise say binary/octet-stream,
// and the two stores should answer the same.
const defaultContentType = "application/octet-stream"

var (
	// ErrNotFound is returned (possibly wrapped) by Get and Stat for a missing key.
	ErrNotFound = errors.New("blobstore: not found")
	// ErrInvalidKey is wrapped by every method's error for a key ValidKey rejects.
	ErrInvalidKey = errors.New("blobstore: invalid key")
)

// ValidKey reports whether key is acceptable: a relative slash-separated path of
// [A-Za-z0-9._-] segments, none empty, "." or "..", at most MaxKeyLen bytes. The rules are
// strict so that a key means the same object in S3 and on disk, needs no URL escaping, and
// can never name a path outside the local store's directory.
func ValidKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidKey, MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if !keyByte(key[i]) {
			return fmt.Errorf("%w: %q contains byte %q", ErrInvalidKey, key, key[i])
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w: %q has an empty segment", ErrInvalidKey, key)
		case ".", "..":
			return fmt.Errorf("%w: %q has a %q segment", ErrInvalidKey, key, seg)
		}
	}
	return nil
}

func keyByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '.', c == '_', c == '-', c == '/':
		return true
	}
	return false
}

func checkTTL(ttl time.Duration) error {
	if ttl < time.Second || ttl > MaxURLTTL {
		return fmt.Errorf("blobstore: link lifetime %v must be between 1s and %v", ttl, MaxURLTTL)
	}
	return nil
}

// ctxReader stops a long copy when the caller gives up, since io.Copy itself ignores ctx.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
