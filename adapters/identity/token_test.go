package identity

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for _, prefix := range []string{UserSessionPrefix, CandidateTokenPrefix, InviteTokenPrefix} {
		for range 50 {
			plain, hash := NewToken(prefix)
			if !strings.HasPrefix(plain, prefix) {
				t.Fatalf("token %q lacks prefix %q", plain, prefix)
			}
			if got := len(plain) - len(prefix); got != 43 { // 32 bytes in unpadded base64url
				t.Fatalf("token %q has %d characters after the prefix, want 43", plain, got)
			}
			if strings.ContainsAny(plain, "+/=") {
				t.Fatalf("token %q is not unpadded base64url", plain)
			}
			want := sha256.Sum256([]byte(plain))
			if !bytes.Equal(hash, want[:]) || !bytes.Equal(HashToken(plain), want[:]) {
				t.Fatalf("hash of %q is not its SHA-256", plain)
			}
			if !WellFormedToken(plain, prefix) {
				t.Fatalf("WellFormedToken(%q, %q) = false", plain, prefix)
			}
			if seen[plain] {
				t.Fatalf("token %q repeated", plain)
			}
			seen[plain] = true
		}
	}
}

func TestWellFormedToken(t *testing.T) {
	good, _ := NewToken(UserSessionPrefix)
	body := strings.TrimPrefix(good, UserSessionPrefix)
	for name, tok := range map[string]string{
		"empty":          "",
		"prefix only":    UserSessionPrefix,
		"other prefix":   CandidateTokenPrefix + body,
		"no prefix":      body,
		"short":          good[:len(good)-1],
		"long":           good + "A",
		"padding":        UserSessionPrefix + body[:42] + "=",
		"not base64":     UserSessionPrefix + strings.Repeat("!", 43),
		"invalid utf-8":  UserSessionPrefix + "\xff\xfe" + body[2:],
		"nul":            UserSessionPrefix + "\x00" + body[1:],
		"standard b64":   UserSessionPrefix + "+" + body[1:],
		"non-zero tail":  UserSessionPrefix + body[:42] + "B", // the last character encodes 4 unused bits
		"surrounding ws": " " + good,
	} {
		if WellFormedToken(tok, UserSessionPrefix) {
			t.Errorf("%s: WellFormedToken(%q) = true", name, tok)
		}
	}
}
