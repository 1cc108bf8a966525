package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length rules. The minimum counts characters (runes), because that is what a person
// typing the password counts; the maximum counts bytes, because it bounds the hashing work.
const (
	MinPasswordRunes = 8
	MaxPasswordBytes = 256
)

// Sizes of the salt and derived key written into new hashes (RFC 9106 recommends 16 and 32).
const (
	saltLen = 16
	keyLen  = 32
)

// HashParams are argon2id's cost parameters.
type HashParams struct {
	// Memory is in KiB.
	Memory  uint32
	Time    uint32
	Threads uint8
}

// DefaultHashParams take about 80 ms per hash on the 2-core machines this service runs on
// (BenchmarkHashPassword: m=64 MiB, t=2 measured 40 ms, below the 50–250 ms band that makes
// offline guessing expensive without making a login feel slow; t=4 lands in its lower half,
// leaving room for a busier machine). Time rather than memory was raised so that a login
// still holds 64 MiB, not more, while it hashes. Each stored string records its own
// parameters, so changing these later upgrades hashes as their users log in.
var DefaultHashParams = HashParams{Memory: 64 * 1024, Time: 4, Threads: 2}

// Bounds on parameters read back from a stored hash, so that a corrupt row cannot make one
// login allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB = 4 * 1024 * 1024
	maxTime      = 64
)

// ErrMalformedHash means a stored password hash is not an argon2id PHC string this package
// can verify.
var ErrMalformedHash = errors.New("identity: malformed password hash")

func (p HashParams) validate() error {
	if p.Threads < 1 || p.Time < 1 || p.Time > maxTime || p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB {
		return fmt.Errorf("identity: invalid argon2id parameters m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads)
	}
	return nil
}

// ValidatePassword checks the length rules and returns a *ValidationError for field "password".
func ValidatePassword(password string) error {
	if len(password) > MaxPasswordBytes {
		return &ValidationError{Field: "password", Message: fmt.Sprintf("password must be at most %d bytes", MaxPasswordBytes)}
	}
	if utf8.RuneCountInString(password) < MinPasswordRunes {
		return &ValidationError{Field: "password", Message: fmt.Sprintf("password must be at least %d characters", MinPasswordRunes)}
	}
	return nil
}

// HashPassword derives an argon2id hash of password with a fresh random salt and returns it in
// the PHC string format, $argon2id$v=19$m=…,t=…,p=…$salt$hash, which records the parameters
// next to the hash so they can change without invalidating stored passwords.
func HashPassword(password string, p HashParams) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never returns an error (it crashes the program instead)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string encoded, using the parameters
// stored in encoded, and whether the hash should be replaced by one made with current because
// its parameters or sizes differ. The comparison takes constant time.
func VerifyPassword(password, encoded string, current HashParams) (ok, rehash bool, err error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	rehash = p != current || len(salt) != saltLen || len(key) != keyLen
	return ok, rehash, nil
}

func decodeHash(encoded string) (p HashParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, parts[2])
	}
	var m, t, threads uint64
	for i, kv := range strings.Split(parts[3], ",") {
		name, value, found := strings.Cut(kv, "=")
		want := [...]string{"m", "t", "p"}
		if !found || i >= len(want) || name != want[i] {
			return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformedHash, parts[3])
		}
		n, err := strconv.ParseUint(value, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformedHash, parts[3])
		}
		switch name {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			threads = n
		}
	}
	if threads > 255 {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformedHash, parts[3])
	}
	p = HashParams{Memory: uint32(m), Time: uint32(t), Threads: uint8(threads)}
	if err := p.validate(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrMalformedHash)
	}
	key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, fmt.Errorf("%w: key", ErrMalformedHash)
	}
	return p, salt, key, nil
}
