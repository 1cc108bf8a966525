package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Token prefixes name what a token grants, so that a token found in a log, a paste or a
// repository is recognisable (and secret scanners can match it) without a database look-up.
const (
	// UserSessionPrefix starts a hiring-team user's session token.
	UserSessionPrefix = "ilmu_"
	// CandidateTokenPrefix starts a candidate's token, scoped to one interview.
	CandidateTokenPrefix = "ilmc_"
	// InviteTokenPrefix starts a candidate's invitation token.
	InviteTokenPrefix = "ilmi_"
)

// tokenBytes is the token's entropy: 256 bits, beyond any guessing.
const tokenBytes = 32

// tokenEncoding is URL- and cookie-safe, so tokens need no escaping anywhere.
var tokenEncoding = base64.RawURLEncoding

// NewToken returns a new random token, prefix followed by 256 random bits in unpadded base64url,
// and its hash, which is what gets stored.
func NewToken(prefix string) (plain string, hash []byte) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error (it crashes the program instead)
	plain = prefix + tokenEncoding.EncodeToString(b)
	return plain, HashToken(plain)
}

// HashToken returns the SHA-256 of a plain token, the form in which tokens are stored and
// looked up. A fast hash is right here, unlike for passwords: a token has 256 random bits, so
// there is no dictionary to try and a brute-force search is hopeless however fast the hash is,
// while a slow hash would cost every authenticated request. Storing only the hash means a leaked
// database (or backup) yields no usable credential.
func HashToken(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}

// WellFormedToken reports whether plain has the shape NewToken(prefix) gives, so that garbage
// can be refused without a database round trip.
func WellFormedToken(plain, prefix string) bool {
	rest, ok := strings.CutPrefix(plain, prefix)
	if !ok || len(rest) != tokenEncoding.EncodedLen(tokenBytes) {
		return false
	}
	b, err := tokenEncoding.Strict().DecodeString(rest)
	return err == nil && len(b) == tokenBytes
}
