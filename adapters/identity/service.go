package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/interviewlm/interviewlm/domain"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults for the zero values of Config.
const (
	DefaultSessionTTL      = 30 * 24 * time.Hour
	DefaultLoginPerEmail   = 5
	DefaultLoginPerAddress = 20
	DefaultLoginWindow     = 15 * time.Minute
)

// Input limits beyond the password rules.
const (
	MaxNameRunes   = 200
	maxClientBytes = 512 // client address and user agent are kept for the user's session list
)

// Config configures a Service. Every field is optional.
type Config struct {
	// SessionTTL is how long a session lasts from login (DefaultSessionTTL when zero).
	SessionTTL time.Duration
	// HashParams are the argon2id costs of new password hashes (DefaultHashParams when zero).
	HashParams HashParams
	// LoginLimit bounds login attempts (the defaults when zero).
	LoginLimit LoginLimit
	// OAuth configures sign-in providers by name: "github" and "google". A provider without a
	// ClientID is left unconfigured, so deployments can leave its variables empty.
	OAuth map[string]OAuthProvider
	// HTTPClient calls the OAuth providers (a client with a 10-second timeout when nil).
	HTTPClient *http.Client
	// Logger receives failures that do not fail the request, such as a hash upgrade that could
	// not be saved (discarded when nil).
	Logger *slog.Logger
	// Now is the clock (time.Now when nil); tests move it to expire sessions and rate windows.
	Now func() time.Time
}

// LoginLimit bounds login attempts in fixed windows, counted before the password is checked so
// that guessing is throttled whether the guesses are right or wrong. The per-email limit stops
// guessing one account's password; the per-address limit stops one client trying many accounts.
type LoginLimit struct {
	PerEmail   int           // attempts per email per window (DefaultLoginPerEmail when zero)
	PerAddress int           // attempts per client address per window (DefaultLoginPerAddress when zero)
	Window     time.Duration // DefaultLoginWindow when zero
}

// Service manages users, sessions and sign-in. It is safe for concurrent use and keeps no state
// between requests apart from its configuration, so any number of API servers can share one
// database.
type Service struct {
	pool       *pgxpool.Pool
	sessionTTL time.Duration
	params     HashParams
	login      LoginLimit
	oauth      map[string]*oauthProvider
	http       *http.Client
	log        *slog.Logger
	now        func() time.Time

	// dummyHash is verified in place of a real hash when the email is unknown or the account has
	// no password, so that such a login costs the same time as a wrong password and its timing
	// does not reveal which emails have accounts.
	dummyHash string
	// hashSlots bounds concurrent argon2id computations to the number of CPUs: each holds
	// HashParams.Memory, and a burst of logins must queue rather than exhaust the server's memory.
	hashSlots chan struct{}
	// onVerify, when set by a test, sees every hash a password is verified against.
	onVerify func(encoded string)
}

// New returns a Service on pool. The schema must have been migrated (schema.Migrate).
func New(pool *pgxpool.Pool, cfg Config) (*Service, error) {
	if pool == nil {
		return nil, errors.New("identity: nil pool")
	}
	s := &Service{
		pool:       pool,
		sessionTTL: cfg.SessionTTL,
		params:     cfg.HashParams,
		login:      cfg.LoginLimit,
		http:       cfg.HTTPClient,
		log:        cfg.Logger,
		now:        cfg.Now,
		hashSlots:  make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
	if s.sessionTTL < 0 {
		return nil, fmt.Errorf("identity: negative session TTL %s", s.sessionTTL)
	}
	if s.sessionTTL == 0 {
		s.sessionTTL = DefaultSessionTTL
	}
	if s.params == (HashParams{}) {
		s.params = DefaultHashParams
	}
	if err := s.params.validate(); err != nil {
		return nil, err
	}
	if s.login.PerEmail < 0 || s.login.PerAddress < 0 || s.login.Window < 0 {
		return nil, fmt.Errorf("identity: negative login limit %+v", s.login)
	}
	if s.login.PerEmail == 0 {
		s.login.PerEmail = DefaultLoginPerEmail
	}
	if s.login.PerAddress == 0 {
		s.login.PerAddress = DefaultLoginPerAddress
	}
	if s.login.Window == 0 {
		s.login.Window = DefaultLoginWindow
	}
	if s.http == nil {
		s.http = &http.Client{Timeout: 10 * time.Second}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.oauth, err = newOAuthProviders(cfg.OAuth); err != nil {
		return nil, err
	}
	unguessable, _ := NewToken("")
	if s.dummyHash, err = HashPassword(unguessable, s.params); err != nil {
		return nil, err
	}
	return s, nil
}

// Register creates an account with a password. The email is normalised (trimmed, lower-cased);
// a second account with the same normalised email is refused with ErrEmailTaken. Invalid input
// is a *ValidationError naming the field.
func (s *Service) Register(ctx context.Context, name, email, password string) (User, error) {
	name, err := ValidateName(name)
	if err != nil {
		return User{}, err
	}
	if email, err = NormalizeEmail(email); err != nil {
		return User{}, err
	}
	if err := ValidatePassword(password); err != nil {
		return User{}, err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	u, err := scanUser(s.pool.QueryRow(ctx, `
		INSERT INTO users (name, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
		RETURNING `+userColumns, name, email, hash, s.now()))
	if isUniqueViolation(err, "users_email_key") {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, fmt.Errorf("identity: register: %w", err)
	}
	return u, nil
}

// Login checks an email and password and opens a session. Attempts are rate limited per email
// and per client address before the password is checked (a *RateLimitedError); an empty
// clientIP skips the per-address limit, so the HTTP layer must always pass the client's address.
// Unknown email and wrong password both answer ErrInvalidCredentials after the same work. A
// successful login replaces a hash made with other parameters than the current ones.
func (s *Service) Login(ctx context.Context, email, password, clientIP, userAgent string) (Session, error) {
	normalized := strings.ToLower(strings.TrimSpace(email))
	if clientIP != "" {
		if err := s.RateLimit(ctx, "login:address:"+clientIP, s.login.PerAddress, s.login.Window); err != nil {
			return Session{}, err
		}
	}
	// The email is hashed into the key so that the counters table holds no addresses.
	emailKey := sha256.Sum256([]byte(normalized))
	if err := s.RateLimit(ctx, "login:email:"+hex.EncodeToString(emailKey[:]), s.login.PerEmail, s.login.Window); err != nil {
		return Session{}, err
	}

	var (
		u      User
		stored *string
		found  bool
	)
	// Input that cannot be a registered email is not sent to the database (it could be invalid
	// UTF-8, which PostgreSQL refuses), but still goes through the dummy verification below.
	if valid, err := NormalizeEmail(email); err == nil && len(password) <= MaxPasswordBytes {
		err := s.pool.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, valid).
			Scan(&u.ID, &u.Name, &u.Email, &u.EmailVerified, &u.CreatedAt, &stored)
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, pgx.ErrNoRows):
			return Session{}, fmt.Errorf("identity: login: %w", err)
		}
	}
	encoded := s.dummyHash
	if found && stored != nil {
		encoded = *stored
	}
	ok, rehash, err := s.verify(ctx, password, encoded)
	if err != nil {
		return Session{}, fmt.Errorf("identity: login: %w", err)
	}
	if !ok || encoded == s.dummyHash {
		return Session{}, ErrInvalidCredentials
	}
	if rehash {
		s.upgradeHash(ctx, u.ID, encoded, password)
	}
	return s.newSession(ctx, s.pool, u, clientIP, userAgent)
}

// upgradeHash replaces a user's hash by one made with the current parameters. A failure is
// logged, not returned: the login itself succeeded, and the next one will try again.
func (s *Service) upgradeHash(ctx context.Context, id uuid.UUID, old, password string) {
	hash, err := s.hash(ctx, password)
	if err == nil {
		// Only if unchanged, so that a password changed meanwhile is not overwritten.
		_, err = s.pool.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3`, hash, id, old)
	}
	if err != nil {
		s.log.WarnContext(ctx, "identity: upgrade password hash", "user", id, "err", err)
	}
}

// Logout revokes the session of token. Revoking an unknown, expired or already revoked token
// does nothing and is no error: either way the token no longer works.
func (s *Service) Logout(ctx context.Context, token string) error {
	if !WellFormedToken(token, UserSessionPrefix) {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE user_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL`,
		HashToken(token), s.now())
	if err != nil {
		return fmt.Errorf("identity: logout: %w", err)
	}
	return nil
}

// Authenticate returns the user whose live session token is. Unknown, expired, revoked and
// malformed tokens all answer ErrUnauthenticated; a malformed one never reaches the database.
func (s *Service) Authenticate(ctx context.Context, token string) (User, error) {
	if !WellFormedToken(token, UserSessionPrefix) {
		return User{}, ErrUnauthenticated
	}
	u, err := scanUser(s.pool.QueryRow(ctx, `
		SELECT `+prefixed("u.", userColumns)+`
		FROM user_sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2`,
		HashToken(token), s.now()))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, fmt.Errorf("identity: authenticate: %w", err)
	}
	return u, nil
}

// RevokeAllSessions ends every session of a user, for "sign out everywhere" and after a
// password change.
func (s *Service) RevokeAllSessions(ctx context.Context, userID uuid.UUID) error {
	return revokeSessions(ctx, s.pool, userID, s.now())
}

// revokeSessions ends every session of a user through db: the pool, or the transaction that
// changes how they sign in.
func revokeSessions(ctx context.Context, db interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}, userID uuid.UUID, now time.Time) error {
	_, err := db.Exec(ctx, `UPDATE user_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, now)
	if err != nil {
		return fmt.Errorf("identity: revoke sessions of %s: %w", userID, err)
	}
	return nil
}

// UserByID returns a user, or ErrUserNotFound.
func (s *Service) UserByID(ctx context.Context, id uuid.UUID) (User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrUserNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("identity: user %s: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the user with email, normalised first, or ErrUserNotFound (also for a
// string that is not an email address).
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, ErrUserNotFound
	}
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrUserNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("identity: user by email: %w", err)
	}
	return u, nil
}

// Cleanup deletes expired and revoked sessions, expired OAuth states and ended rate-limit
// windows, and returns how many rows went. Nothing depends on it for correctness (every read
// checks expiry); it keeps the tables small, so a worker should call it periodically.
func (s *Service) Cleanup(ctx context.Context) (int64, error) {
	now := s.now()
	var removed int64
	for _, q := range []string{
		`DELETE FROM user_sessions WHERE expires_at <= $1 OR revoked_at IS NOT NULL`,
		`DELETE FROM oauth_states WHERE expires_at <= $1`,
		`DELETE FROM rate_limits WHERE expires_at <= $1`,
	} {
		tag, err := s.pool.Exec(ctx, q, now)
		if err != nil {
			return removed, fmt.Errorf("identity: cleanup: %w", err)
		}
		removed += tag.RowsAffected()
	}
	return removed, nil
}

// querier is what both the pool and a transaction offer.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// newSession stores a new session for u and returns its plain token.
func (s *Service) newSession(ctx context.Context, q querier, u User, clientIP, userAgent string) (Session, error) {
	token, hash := NewToken(UserSessionPrefix)
	now := s.now()
	sess := Session{Token: token, User: u}
	err := q.QueryRow(ctx, `
		INSERT INTO user_sessions (token_hash, user_id, created_at, expires_at, client_ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING expires_at`,
		hash, u.ID, now, now.Add(s.sessionTTL), cleanText(clientIP, maxClientBytes), cleanText(userAgent, maxClientBytes),
	).Scan(&sess.ExpiresAt)
	if err != nil {
		return Session{}, fmt.Errorf("identity: create session: %w", err)
	}
	return sess, nil
}

// hash computes a password hash with the current parameters, waiting for a free hashing slot.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.acquireHashSlot(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashSlots }()
	return HashPassword(password, s.params)
}

// verify checks a password against encoded, waiting for a free hashing slot.
func (s *Service) verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	if s.onVerify != nil {
		s.onVerify(encoded)
	}
	if err := s.acquireHashSlot(ctx); err != nil {
		return false, false, err
	}
	defer func() { <-s.hashSlots }()
	return VerifyPassword(password, encoded, s.params)
}

func (s *Service) acquireHashSlot(ctx context.Context) error {
	select {
	case s.hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("identity: waiting to hash a password: %w", ctx.Err())
	}
}

// ValidateName trims name and checks that it has 1 to MaxNameRunes characters and no control
// characters. It returns the trimmed name or a *ValidationError for field "name".
func ValidateName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", &ValidationError{Field: "name", Message: "name is required"}
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return "", &ValidationError{Field: "name", Message: "name must not contain control characters or invalid text"}
	case utf8.RuneCountInString(name) > MaxNameRunes:
		return "", &ValidationError{Field: "name", Message: fmt.Sprintf("name must be at most %d characters", MaxNameRunes)}
	}
	return name, nil
}

// NormalizeEmail is domain.NormalizeEmail: accounts and candidates follow one rule.
func NormalizeEmail(email string) (string, error) { return domain.NormalizeEmail(email) }

// cleanText makes client-supplied text storable: PostgreSQL refuses invalid UTF-8 and NUL
// bytes in text, and a bad header must not fail a login. It also caps the length in bytes.
func cleanText(s string, maxBytes int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= maxBytes {
		return s
	}
	cut := maxBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

const userColumns = `id, name, email, email_verified, created_at`

// prefixed qualifies each of a comma-separated column list with a table alias.
func prefixed(alias, columns string) string {
	return alias + strings.ReplaceAll(columns, ", ", ", "+alias)
}

func scanUser(row pgx.Row) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Name, &u.Email, &u.EmailVerified, &u.CreatedAt)
	return u, err
}

func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}
