package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries Sign's output on every delivery.
const SignatureHeader = "X-InterviewLM-Signature"

// DefaultTolerance is how far from the receiver's clock a signature's timestamp may be. It is
// what Stripe uses, so receivers written for Stripe can keep their setting.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify.
var (
	ErrInvalidSignatureHeader = errors.New("webhook: malformed signature header")
	ErrSignatureMismatch      = errors.New("webhook: no signature matches the body")
	ErrSignatureExpired       = errors.New("webhook: signature timestamp outside the tolerance")
)

// Sign returns the signature header value for body sent at ts:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<unix seconds>.<body>")>". This is Stripe's
// scheme, which ATS vendors already know how to check. The timestamp is inside the MAC so a
// captured request cannot be replayed once the receiver's tolerance has passed.
func Sign(secret []byte, ts time.Time, body []byte) string {
	unix := ts.Unix()
	return "t=" + strconv.FormatInt(unix, 10) + ",v1=" + hex.EncodeToString(mac(secret, unix, body))
}

func mac(secret []byte, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(strconv.FormatInt(unix, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a signature header made by Sign against body and the receiver's clock now.
// Several v1 entries are accepted, any one of which may match, so that a sender can sign with
// an old and a new secret while a receiver rotates. tolerance bounds the clock difference in
// both directions; zero or less means DefaultTolerance, since accepting any age would make
// replays possible forever.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var (
		unix    int64
		haveTS  bool
		candMAC [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: %q is not key=value", ErrInvalidSignatureHeader, part)
		}
		switch key {
		case "t":
			if haveTS {
				return fmt.Errorf("%w: more than one timestamp", ErrInvalidSignatureHeader)
			}
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return fmt.Errorf("%w: bad timestamp %q", ErrInvalidSignatureHeader, value)
			}
			unix, haveTS = n, true
		case "v1":
			sig, err := hex.DecodeString(value)
			if err != nil || len(sig) != sha256.Size {
				// Skipped rather than refused: another v1 entry may still be good.
				continue
			}
			candMAC = append(candMAC, sig)
		default:
			// Unknown schemes are ignored so a future v2 does not break today's receivers.
		}
	}
	if !haveTS {
		return fmt.Errorf("%w: no timestamp", ErrInvalidSignatureHeader)
	}
	if len(candMAC) == 0 {
		return fmt.Errorf("%w: no v1 signature", ErrInvalidSignatureHeader)
	}
	want := mac(secret, unix, body)
	matched := false
	for _, sig := range candMAC {
		if hmac.Equal(sig, want) {
			matched = true
		}
	}
	if !matched {
		return ErrSignatureMismatch
	}
	// Checked after the MAC so that the timestamp being reported on is one we signed.
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed %s ago, tolerance %s", ErrSignatureExpired, d.Round(time.Second), tolerance)
	}
	return nil
}
