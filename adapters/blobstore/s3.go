package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3Config selects the bucket and how to reach it.
type S3Config struct {
	Bucket string
	// Region is required unless the default chain (AWS_REGION, shared config) provides one.
	Region string
	// Endpoint is the base URL of an S3-compatible service such as MinIO; empty means AWS.
	Endpoint string
	// UsePathStyle addresses objects as endpoint/bucket/key, which most self-hosted
	// services need because they lack wildcard DNS for bucket subdomains.
	UsePathStyle bool
	// AccessKeyID and SecretAccessKey are static credentials; when both are empty the SDK's
	// default chain (environment, shared files, instance or task role) is used.
	AccessKeyID     string
	SecretAccessKey string
}

// S3 is a Store backed by an S3 bucket.
type S3 struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
}

var _ Store = (*S3)(nil)

// NewS3 builds the client; it does not contact the service, so a misconfiguration shows up
// on first use (health checks should call Stat on a known key).
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("blobstore: s3 bucket is required")
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return nil, errors.New("blobstore: s3 access key id and secret must be set together")
	}
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("blobstore: load aws config: %w", err)
	}
	if awsCfg.Region == "" {
		return nil, errors.New("blobstore: s3 region is required")
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.UsePathStyle = cfg.UsePathStyle
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			// Since early 2025 the SDK adds CRC checksums (and aws-chunked bodies over TLS)
			// to every upload by default; several S3-compatible services reject those, so
			// only send checksums when the operation requires them.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return &S3{
		client:  client,
		presign: s3.NewPresignClient(client),
		bucket:  cfg.Bucket,
	}, nil
}

// Name implements Store.
func (s *S3) Name() string { return "s3" }

// Put implements Store. PutObject needs the length up front and a body it can rewind for
// signing and retries, so a body that is not an io.ReadSeeker is first spooled to a temporary
// file rather than memory: archives reach ~100 MB.
func (s *S3) Put(ctx context.Context, key string, body io.Reader, size int64, contentType string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if contentType == "" {
		contentType = defaultContentType
	}
	rs, ok := body.(io.ReadSeeker)
	if ok {
		n, err := remaining(rs)
		if err != nil {
			return fmt.Errorf("blobstore: put %s: %w", key, err)
		}
		if size >= 0 && n != size {
			return fmt.Errorf("blobstore: put %s: body has %d bytes, size says %d", key, n, size)
		}
		size = n
	} else {
		f, n, err := spool(ctx, body, size)
		if err != nil {
			return fmt.Errorf("blobstore: put %s: %w", key, err)
		}
		defer func() {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}()
		rs, size = f, n
	}
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          rs,
		ContentLength: aws.Int64(size),
		ContentType:   aws.String(contentType),
	})
	if err != nil {
		return fmt.Errorf("blobstore: put %s: %w", key, err)
	}
	return nil
}

// remaining is the number of bytes left in rs, leaving its position unchanged.
func remaining(rs io.ReadSeeker) (int64, error) {
	cur, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if _, err := rs.Seek(cur, io.SeekStart); err != nil {
		return 0, err
	}
	return end - cur, nil
}

// spool copies body to a temporary file, checks it against size (when known) and rewinds it.
// The file is unlinked by the caller once the upload is over.
func spool(ctx context.Context, body io.Reader, size int64) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "blobstore-spool-*")
	if err != nil {
		return nil, 0, err
	}
	fail := func(err error) (*os.File, int64, error) {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, 0, err
	}
	src := io.Reader(ctxReader{ctx, body})
	if size >= 0 {
		// One byte past size is enough to detect an over-long body without copying all of it.
		src = io.LimitReader(src, size+1)
	}
	n, err := io.Copy(f, src)
	if err != nil {
		return fail(fmt.Errorf("spool body: %w", err))
	}
	if size >= 0 && n != size {
		return fail(fmt.Errorf("body has %s bytes, size says %d", countString(n, size), size))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return f, n, nil
}

func countString(n, size int64) string {
	if n > size {
		return fmt.Sprintf("more than %d", size)
	}
	return fmt.Sprint(n)
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		return nil, Info{}, s3Error("get", key, err)
	}
	return out.Body, Info{
		Key:         key,
		Size:        aws.ToInt64(out.ContentLength),
		ModTime:     aws.ToTime(out.LastModified),
		ContentType: aws.ToString(out.ContentType),
	}, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		return Info{}, s3Error("stat", key, err)
	}
	return Info{
		Key:         key,
		Size:        aws.ToInt64(out.ContentLength),
		ModTime:     aws.ToTime(out.LastModified),
		ContentType: aws.ToString(out.ContentType),
	}, nil
}

// Delete implements Store. S3 already answers success for a missing key; the not-found
// mapping only covers S3-compatible services that do not.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil {
		if err = s3Error("delete", key, err); errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	return nil
}

// URL implements Store with a SigV4 presigned GET. The link asks S3 to answer with
// Content-Disposition: attachment, as the local store does, so browsers download rather than
// render the archive.
func (s *S3) URL(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	if err := ValidKey(key); err != nil {
		return "", time.Time{}, err
	}
	if err := checkTTL(ttl); err != nil {
		return "", time.Time{}, err
	}
	// SigV4 counts whole seconds; truncating here keeps expiresAt exactly what S3 enforces.
	ttl = ttl.Truncate(time.Second)
	before := time.Now()
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket:                     aws.String(s.bucket),
		Key:                        aws.String(key),
		ResponseContentDisposition: aws.String(attachment(key)),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("blobstore: presign %s: %w", key, err)
	}
	return req.URL, presignedAt(req.URL, before.Truncate(time.Second)).Add(ttl), nil
}

// presignedAt is the signing time S3 will count the lifetime from: the X-Amz-Date in the
// link, which the SDK takes from its own clock (corrected for skew), so reading our clock
// instead could be off. fallback is used if the link has no parsable date.
func presignedAt(link string, fallback time.Time) time.Time {
	u, err := url.Parse(link)
	if err != nil {
		return fallback
	}
	t, err := time.Parse("20060102T150405Z", u.Query().Get("X-Amz-Date"))
	if err != nil {
		return fallback
	}
	return t
}

// attachment is the Content-Disposition for key. Keys are restricted to [A-Za-z0-9._-/], so
// the base name never needs quoting or escaping.
func attachment(key string) string {
	return `attachment; filename="` + path.Base(key) + `"`
}

// s3Error turns the SDK's several spellings of "no such object" into ErrNotFound. HEAD
// responses have no body, so there the only signal is the 404 status; a missing bucket is
// kept distinct where S3 says so, because it is a configuration error, not a missing archive.
func s3Error(op, key string, err error) error {
	var (
		noKey    *types.NoSuchKey
		notFound *types.NotFound
		apiErr   smithy.APIError
		respErr  *smithyhttp.ResponseError
	)
	switch {
	case errors.As(err, &noKey), errors.As(err, &notFound):
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	case errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchBucket":
		return fmt.Errorf("blobstore: %s %s: %w", op, key, err)
	case errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusNotFound:
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("blobstore: %s %s: %w", op, key, err)
}
