// Package identity holds the hiring team's accounts: users with argon2id password hashes,
// opaque session tokens of which only hashes are stored, a fixed-window rate limiter kept in
// PostgreSQL (API servers are stateless, so every server must see the same counts), and sign-in
// through GitHub and Google with OAuth 2.0 (authorization code with PKCE).
package identity

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/interviewlm/interviewlm/domain"
)

// User is a member of a hiring team.
type User struct {
	ID            uuid.UUID
	Name          string
	Email         string
	EmailVerified bool
	CreatedAt     time.Time
}

// Session is a signed-in user's credential. Token is the plain token, returned only when the
// session is created: the database keeps its SHA-256 hash alone.
type Session struct {
	Token     string
	User      User
	ExpiresAt time.Time
}

var (
	// ErrEmailTaken means an account with this email (compared after normalisation) exists.
	ErrEmailTaken = errors.New("identity: email already registered")
	// ErrInvalidCredentials answers a login with an unknown email or a wrong password alike, so
	// that the answer does not reveal which accounts exist.
	ErrInvalidCredentials = errors.New("identity: invalid email or password")
	// ErrUnauthenticated means a session token is unknown, expired, revoked or malformed.
	ErrUnauthenticated = errors.New("identity: not authenticated")
	// ErrUserNotFound means no user has the id or email asked for.
	ErrUserNotFound = errors.New("identity: user not found")
	// ErrRateLimited is matched (errors.Is) by every *RateLimitedError.
	ErrRateLimited = errors.New("identity: rate limited")
	// ErrUnknownProvider means an OAuth provider name that is not supported or not configured.
	ErrUnknownProvider = errors.New("identity: unknown OAuth provider")
	// ErrOAuthState means an OAuth callback whose state was never issued, was already used,
	// belongs to another provider or has expired: a forged, replayed or stale callback.
	ErrOAuthState = errors.New("identity: invalid OAuth state")
	// ErrOAuthEmailUnverified means the provider did not vouch for the account's email, so it
	// can neither be linked to an existing account nor claim the address for a new one.
	ErrOAuthEmailUnverified = errors.New("identity: the provider did not verify the email address")
	// ErrOAuthFailed means the provider refused the authorization code or its user endpoints
	// failed; the details are in the wrapped error, for logs.
	ErrOAuthFailed = errors.New("identity: OAuth sign-in failed")
)

// ValidationError reports an unacceptable input field. Message is written for the person who
// typed the value.
type ValidationError = domain.ValidationError

// RateLimitedError reports that a rate limit is exhausted until RetryAfter has passed.
type RateLimitedError struct {
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("identity: rate limited, retry after %s", e.RetryAfter)
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }
