package webhook

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	secret := []byte("whsec_test")
	body := []byte(`{"id":"1","event":"evaluation.ready"}`)
	ts := time.Unix(1_900_000_000, 0)
	header := Sign(secret, ts, body)

	if !strings.HasPrefix(header, "t=1900000000,v1=") || len(header) != len("t=1900000000,v1=")+64 {
		t.Fatalf("header = %q", header)
	}
	if err := Verify(secret, header, body, ts.Add(time.Minute), time.Minute); err != nil {
		t.Fatalf("round trip: %v", err)
	}
	// A receiver rotating secrets may see several v1 entries, and unknown schemes.
	rotated := header + ",v1=" + strings.Repeat("00", 32) + ",v0=whatever"
	if err := Verify(secret, rotated, body, ts, 0); err != nil {
		t.Fatalf("extra entries: %v", err)
	}
	if err := Verify(secret, "v1=zz, "+header, body, ts, 0); err != nil {
		t.Fatalf("bad v1 entry ahead of a good one: %v", err)
	}

	cases := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"tampered body", secret, header, []byte(`{"id":"2","event":"evaluation.ready"}`), ts, ErrSignatureMismatch},
		{"wrong secret", []byte("whsec_other"), header, body, ts, ErrSignatureMismatch},
		{"old timestamp", secret, header, body, ts.Add(5*time.Minute + time.Second), ErrSignatureExpired},
		{"future timestamp", secret, header, body, ts.Add(-10 * time.Minute), ErrSignatureExpired},
		{"timestamp swapped", secret, strings.Replace(header, "t=1900000000", "t=1900000001", 1), body, ts, ErrSignatureMismatch},
		{"empty", secret, "", body, ts, ErrInvalidSignatureHeader},
		{"no timestamp", secret, header[strings.Index(header, "v1="):], body, ts, ErrInvalidSignatureHeader},
		{"no signature", secret, "t=1900000000", body, ts, ErrInvalidSignatureHeader},
		{"two timestamps", secret, "t=1," + header, body, ts, ErrInvalidSignatureHeader},
		{"bad timestamp", secret, "t=soon,v1=00", body, ts, ErrInvalidSignatureHeader},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.secret, c.header, c.body, c.now, 0)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

// The scheme must match Stripe's byte for byte, since receivers reuse Stripe verifiers.
func TestSignKnownVector(t *testing.T) {
	// echo -n '1700000000.{}' | openssl dgst -sha256 -hmac whsec_abc
	got := Sign([]byte("whsec_abc"), time.Unix(1700000000, 0), []byte("{}"))
	want := "t=1700000000,v1=bad9ac117e973d721c232d46744158d75e3f1b44e36771e13d01b9e6a580bc72"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 12 * time.Hour}
	var total time.Duration
	for i, w := range want {
		if got := Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %s, want %s", i+1, got, w)
		}
		if i+1 < MaxAttempts {
			total += w
		}
	}
	if Backoff(0) != 10*time.Second {
		t.Errorf("Backoff(0) = %s", Backoff(0))
	}
	if total != 20*time.Hour+36*time.Minute+10*time.Second {
		t.Errorf("retries span %s", total)
	}
}
