package blobstore

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TestS3PresignExpiry checks the link's lifetime by its signed parameters: gofakes3 does not
// verify presigned signatures or X-Amz-Expires, so an expired link cannot be shown to fail
// against it.
func TestS3PresignExpiry(t *testing.T) {
	t.Parallel()
	s := newTestS3(t)
	ttl := 90*time.Second + 400*time.Millisecond
	link, expiresAt, err := s.URL(context.Background(), "sessions/a.json.gz", ttl)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if got := q.Get("X-Amz-Expires"); got != "90" {
		t.Errorf("X-Amz-Expires = %q, want 90 (the ttl in whole seconds)", got)
	}
	signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		t.Fatal(err)
	}
	if want := signed.Add(90 * time.Second); !expiresAt.Equal(want) {
		t.Errorf("expiresAt = %v, want X-Amz-Date + 90s = %v", expiresAt, want)
	}
	if q.Get("X-Amz-Signature") == "" || q.Get("response-content-disposition") == "" {
		t.Errorf("link lacks signature or disposition: %s", link)
	}
	if u.Path != "/"+testBucket+"/sessions/a.json.gz" {
		t.Errorf("path-style path = %q", u.Path)
	}
}

func TestNewS3Validation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, cfg := range map[string]S3Config{
		"no bucket":     {Region: "us-east-1"},
		"key no secret": {Bucket: "b", Region: "us-east-1", AccessKeyID: "id"},
		"secret no key": {Bucket: "b", Region: "us-east-1", SecretAccessKey: "s"},
	} {
		if _, err := NewS3(ctx, cfg); err == nil {
			t.Errorf("%s: NewS3 succeeded", name)
		}
	}
}

// TestS3MissingBucket keeps a misconfigured bucket distinct from a missing archive, where S3
// says which it is (GET; a HEAD has no body and cannot tell).
func TestS3MissingBucket(t *testing.T) {
	t.Parallel()
	s := newTestS3(t)
	s.bucket = "no-such-bucket"
	_, _, err := s.Get(context.Background(), "a.json.gz")
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Get from a missing bucket = %v, want a non-ErrNotFound error", err)
	}
}

func TestS3ErrorMapping(t *testing.T) {
	t.Parallel()
	resp := func(status int, err error) error {
		return &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      err,
		}
	}
	cases := []struct {
		name     string
		err      error
		notFound bool
	}{
		{"bare 404", resp(404, &smithy.GenericAPIError{Code: "NotFound"}), true},
		{"404 without code", resp(404, errors.New("eof")), true},
		{"no such bucket", resp(404, &smithy.GenericAPIError{Code: "NoSuchBucket"}), false},
		{"403", resp(403, &smithy.GenericAPIError{Code: "AccessDenied"}), false},
		{"network", errors.New("connection refused"), false},
	}
	for _, c := range cases {
		if got := errors.Is(s3Error("get", "k", c.err), ErrNotFound); got != c.notFound {
			t.Errorf("%s: ErrNotFound = %v, want %v", c.name, got, c.notFound)
		}
	}
}
