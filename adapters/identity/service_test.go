package identity

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestRegisterNormalisesAndStores(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()

	u := f.register(t, "  Ada Lovelace\t", "  Ada.Lovelace@Example.COM ", "analytical engine")
	if u.ID == uuid.Nil || u.Name != "Ada Lovelace" || u.Email != "ada.lovelace@example.com" || u.EmailVerified {
		t.Fatalf("Register returned %+v", u)
	}
	if !u.CreatedAt.Equal(f.clock.Now()) {
		t.Fatalf("CreatedAt = %v, want the clock's %v", u.CreatedAt, f.clock.Now())
	}
	var stored string
	if err := f.db.Pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !phcPattern.MatchString(stored) || strings.Contains(stored, "analytical") {
		t.Fatalf("stored password_hash %q is not an argon2id PHC string", stored)
	}

	byEmail, err := f.svc.UserByEmail(ctx, " ADA.LOVELACE@example.com")
	if err != nil || byEmail != u {
		t.Fatalf("UserByEmail = %+v, %v; want %+v", byEmail, err, u)
	}
	byID, err := f.svc.UserByID(ctx, u.ID)
	if err != nil || byID != u {
		t.Fatalf("UserByID = %+v, %v; want %+v", byID, err, u)
	}
	if _, err := f.svc.UserByID(ctx, uuid.New()); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("UserByID(unknown) = %v, want ErrUserNotFound", err)
	}
	for _, email := range []string{"nobody@example.com", "not an email", "\xff@example.com"} {
		if _, err := f.svc.UserByEmail(ctx, email); !errors.Is(err, ErrUserNotFound) {
			t.Fatalf("UserByEmail(%q) = %v, want ErrUserNotFound", email, err)
		}
	}
}

func TestRegisterRefusesDuplicateEmailInAnyCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.register(t, "Grace", "grace@navy.mil", "cobol-rules")
	for _, email := range []string{"grace@navy.mil", "GRACE@NAVY.MIL", " Grace@Navy.Mil "} {
		_, err := f.svc.Register(context.Background(), "Other", email, "another-password")
		if !errors.Is(err, ErrEmailTaken) {
			t.Errorf("Register(%q) = %v, want ErrEmailTaken", email, err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("%d users stored, want 1", n)
	}
}

func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	const (
		badEmail = "email must be a valid address such as name@example.com"
		short    = "password must be at least 8 characters"
	)
	for _, tc := range []struct {
		name, email, password string
		field, message        string
	}{
		{"", "a@example.com", "password1", "name", "name is required"},
		{"   ", "a@example.com", "password1", "name", "name is required"},
		{strings.Repeat("n", 201), "a@example.com", "password1", "name", "name must be at most 200 characters"},
		{"Line\nBreak", "a@example.com", "password1", "name", "name must not contain control characters or invalid text"},
		{"Bad \xff", "a@example.com", "password1", "name", "name must not contain control characters or invalid text"},
		{"Ann", "", "password1", "email", "email is required"},
		{"Ann", "   ", "password1", "email", "email is required"},
		{"Ann", "not-an-email", "password1", "email", badEmail},
		{"Ann", "ann@localhost", "password1", "email", badEmail},
		{"Ann", "ann@@example.com", "password1", "email", badEmail},
		{"Ann", "Ann <ann@example.com>", "password1", "email", badEmail},
		{"Ann", "ann@example.com, bob@example.com", "password1", "email", badEmail},
		{"Ann", "ann@example..com", "password1", "email", badEmail},
		{"Ann", "ann@-example.com", "password1", "email", badEmail},
		{"Ann", "ann@[127.0.0.1]", "password1", "email", badEmail},
		{"Ann", "@example.com", "password1", "email", badEmail},
		{"Ann", "a b@example.com", "password1", "email", badEmail},
		{"Ann", strings.Repeat("a", 65) + "@example.com", "password1", "email", badEmail},
		{"Ann", "ann@example.com", "", "password", short},
		{"Ann", "ann@example.com", "1234567", "password", short},
		{"Ann", "ann@example.com", "ééééééé", "password", short},
		{"Ann", "ann@example.com", strings.Repeat("x", 257), "password", "password must be at most 256 bytes"},
	} {
		_, err := f.svc.Register(context.Background(), tc.name, tc.email, tc.password)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || ve.Message != tc.message {
			t.Errorf("Register(%q, %q, %q) = %v, want %s: %q", tc.name, tc.email, tc.password, err, tc.field, tc.message)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM users`); n != 0 {
		t.Fatalf("%d users stored after invalid registrations", n)
	}
	// Boundaries that are valid.
	f.register(t, strings.Repeat("é", 200), "x@sub.example.co.uk", "éééééééé")
	f.register(t, "Ünïcode", "ünï@bücher.example", "password1")
}

func TestLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.register(t, "Linus", "linus@example.com", "penguins-rule")

	sess, err := f.svc.Login(ctx, " LINUS@example.com", "penguins-rule", "203.0.113.7", "test-agent/1.0")
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if !WellFormedToken(sess.Token, UserSessionPrefix) || sess.User != u {
		t.Fatalf("Login returned %+v", sess)
	}
	if want := f.clock.Now().Add(DefaultSessionTTL); !sess.ExpiresAt.Equal(want) {
		t.Fatalf("ExpiresAt = %v, want %v", sess.ExpiresAt, want)
	}
	got, err := f.svc.Authenticate(ctx, sess.Token)
	if err != nil || got != u {
		t.Fatalf("Authenticate = %+v, %v; want %+v", got, err, u)
	}
	// Only the token's hash is stored, with the client's details.
	if n := f.count(t, `SELECT count(*) FROM user_sessions WHERE token_hash = $1 AND user_id = $2
		AND client_ip = '203.0.113.7' AND user_agent = 'test-agent/1.0'`, HashToken(sess.Token), u.ID); n != 1 {
		t.Fatalf("session row by token hash: %d, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM user_sessions WHERE position($1::bytea IN token_hash) > 0`, []byte(sess.Token)); n != 0 {
		t.Fatal("plain token stored")
	}

	for _, tc := range []struct{ email, password string }{
		{"linus@example.com", "penguins-rulez"},
		{"linus@example.com", ""},
		{"nobody@example.com", "penguins-rule"},
		{"not an email", "penguins-rule"},
		{"", ""},
	} {
		_, err := f.svc.Login(ctx, tc.email, tc.password, "203.0.113.8", "")
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("Login(%q, %q) = %v, want ErrInvalidCredentials", tc.email, tc.password, err)
		}
	}
}

// TestLoginVerifiesAHashWhateverTheEmail checks the structure that makes an unknown email cost
// the same as a wrong password: every login verifies exactly one hash, made with the current
// parameters, whether or not the account exists or has a password.
func TestLoginVerifiesAHashWhateverTheEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.register(t, "Ken", "ken@example.com", "unix-forever")
	var userHash string
	if err := f.db.Pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&userHash); err != nil {
		t.Fatal(err)
	}
	// An account made through OAuth has no password.
	if _, err := f.db.Pool.Exec(ctx, `INSERT INTO users (name, email, email_verified) VALUES ('Rob', 'rob@example.com', true)`); err != nil {
		t.Fatal(err)
	}

	dummyParams, _, _, err := decodeHash(f.svc.dummyHash)
	if err != nil || dummyParams != cheapParams {
		t.Fatalf("dummy hash %q has params %+v (%v), want the current %+v", f.svc.dummyHash, dummyParams, err, cheapParams)
	}

	var mu sync.Mutex
	var verified []string
	f.svc.onVerify = func(encoded string) {
		mu.Lock()
		defer mu.Unlock()
		verified = append(verified, encoded)
	}
	for _, tc := range []struct {
		email, password string
		against         string
		wantErr         error
	}{
		{"ken@example.com", "unix-forever", userHash, nil},
		{"ken@example.com", "wrong-password", userHash, ErrInvalidCredentials},
		{"nobody@example.com", "wrong-password", f.svc.dummyHash, ErrInvalidCredentials},
		{"rob@example.com", "any-password", f.svc.dummyHash, ErrInvalidCredentials},
		{"garbage\xff", "any-password", f.svc.dummyHash, ErrInvalidCredentials},
		{"ken@example.com", strings.Repeat("x", 300), f.svc.dummyHash, ErrInvalidCredentials},
	} {
		verified = nil
		_, err := f.svc.Login(ctx, tc.email, tc.password, "198.51.100.1", "")
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("Login(%q) = %v, want %v", tc.email, err, tc.wantErr)
		}
		if len(verified) != 1 || verified[0] != tc.against {
			t.Errorf("Login(%q) verified against %q, want exactly %q", tc.email, verified, tc.against)
		}
	}
	// The dummy password is not guessable: an unknown email never signs in.
	if _, err := f.svc.Login(ctx, "nobody@example.com", "", "198.51.100.1", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("Login(unknown, empty) = %v", err)
	}
}

func TestLoginRateLimitPerEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.LoginLimit = LoginLimit{PerEmail: 3, PerAddress: 100, Window: 15 * time.Minute} })
	ctx := context.Background()
	f.register(t, "Target", "target@example.com", "the-real-password")

	for i := range 3 {
		// Letter case and spaces do not make a new counter.
		email := []string{"target@example.com", "TARGET@example.com", " target@Example.com"}[i]
		if _, err := f.svc.Login(ctx, email, "guess", "192.0.2.1", ""); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v, want ErrInvalidCredentials", i+1, err)
		}
	}
	var verifications int
	f.svc.onVerify = func(string) { verifications++ }
	// The limit applies before the password is checked, so even the right one is refused.
	_, err := f.svc.Login(ctx, "target@example.com", "the-real-password", "192.0.2.2", "")
	var rl *RateLimitedError
	if !errors.As(err, &rl) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("fourth attempt: %v, want *RateLimitedError", err)
	}
	if rl.RetryAfter != 10*time.Minute { // the clock is 5 minutes into a 15-minute window
		t.Fatalf("RetryAfter = %v, want 10m", rl.RetryAfter)
	}
	if verifications != 0 {
		t.Fatalf("a rate-limited login verified %d hashes", verifications)
	}
	// Other emails are not affected.
	f.register(t, "Other", "other@example.com", "other-password")
	if _, err := f.svc.Login(ctx, "other@example.com", "other-password", "192.0.2.1", ""); err != nil {
		t.Fatalf("other email: %v", err)
	}
	// The email is not stored in the counters.
	if n := f.count(t, `SELECT count(*) FROM rate_limits WHERE key LIKE '%example.com%'`); n != 0 {
		t.Fatalf("%d rate_limits keys contain the email", n)
	}

	f.clock.Advance(rl.RetryAfter - time.Second)
	if _, err := f.svc.Login(ctx, "target@example.com", "the-real-password", "192.0.2.1", ""); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("a second before the window ends: %v, want ErrRateLimited", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.svc.Login(ctx, "target@example.com", "the-real-password", "192.0.2.1", ""); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.LoginLimit = LoginLimit{PerEmail: 100, PerAddress: 4, Window: time.Hour} })
	ctx := context.Background()
	f.register(t, "Victim", "victim@example.com", "victim-password")

	for i := range 4 {
		email := []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"}[i]
		if _, err := f.svc.Login(ctx, email, "password", "198.51.100.9", ""); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	_, err := f.svc.Login(ctx, "victim@example.com", "victim-password", "198.51.100.9", "")
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter <= 0 || rl.RetryAfter > time.Hour {
		t.Fatalf("fifth attempt from one address: %v, want *RateLimitedError with 0 < RetryAfter <= 1h", err)
	}
	if rl.RetryAfter != 55*time.Minute {
		t.Fatalf("RetryAfter = %v, want 55m", rl.RetryAfter)
	}
	if _, err := f.svc.Login(ctx, "victim@example.com", "victim-password", "198.51.100.10", ""); err != nil {
		t.Fatalf("another address: %v", err)
	}
	f.clock.Advance(rl.RetryAfter)
	if _, err := f.svc.Login(ctx, "victim@example.com", "victim-password", "198.51.100.9", ""); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	for i := range 2 {
		if err := f.svc.RateLimit(ctx, "invites:org-1", 2, time.Minute); err != nil {
			t.Fatalf("hit %d: %v", i+1, err)
		}
	}
	err := f.svc.RateLimit(ctx, "invites:org-1", 2, time.Minute)
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Minute { // the clock is on a minute boundary
		t.Fatalf("third hit: %v, want RetryAfter 1m", err)
	}
	if err := f.svc.RateLimit(ctx, "invites:org-2", 2, time.Minute); err != nil {
		t.Fatalf("other key: %v", err)
	}
	f.clock.Advance(59 * time.Second)
	if err := f.svc.RateLimit(ctx, "invites:org-1", 2, time.Minute); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("59s later: %v, want RetryAfter 1s", err)
	}
	f.clock.Advance(time.Second)
	if err := f.svc.RateLimit(ctx, "invites:org-1", 2, time.Minute); err != nil {
		t.Fatalf("next window: %v", err)
	}
	// Keys from clients are stored whatever bytes they hold.
	if err := f.svc.RateLimit(ctx, "addr:\xff\x00"+strings.Repeat("k", 1000), 1, time.Minute); err != nil {
		t.Fatalf("odd key: %v", err)
	}
	for _, bad := range []struct {
		limit  int
		window time.Duration
	}{{0, time.Minute}, {1, 0}, {-1, time.Minute}} {
		err := f.svc.RateLimit(ctx, "k", bad.limit, bad.window)
		if err == nil || errors.Is(err, ErrRateLimited) {
			t.Errorf("RateLimit(limit %d, window %s) = %v, want a configuration error", bad.limit, bad.window, err)
		}
	}
}

// TestRateLimitIsShared runs many concurrent hits through two Services on one database, as two
// API servers would: exactly limit of them pass.
func TestRateLimitIsShared(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	other, err := New(f.db.Pool, Config{HashParams: cheapParams, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed, limited := 0, 0
	for i := range 40 {
		wg.Go(func() {
			svc := []*Service{f.svc, other}[i%2]
			err := svc.RateLimit(context.Background(), "shared", 15, time.Minute)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				passed++
			case errors.Is(err, ErrRateLimited):
				limited++
			default:
				t.Errorf("RateLimit: %v", err)
			}
		})
	}
	wg.Wait()
	if passed != 15 || limited != 25 {
		t.Fatalf("%d passed and %d limited, want 15 and 25", passed, limited)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.SessionTTL = time.Hour })
	ctx := context.Background()
	f.register(t, "Eve", "eve@example.com", "eve-password")
	sess, err := f.svc.Login(ctx, "eve@example.com", "eve-password", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !sess.ExpiresAt.Equal(f.clock.Now().Add(time.Hour)) {
		t.Fatalf("ExpiresAt = %v", sess.ExpiresAt)
	}
	f.clock.Advance(time.Hour - time.Second)
	if _, err := f.svc.Authenticate(ctx, sess.Token); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.svc.Authenticate(ctx, sess.Token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("at expiry: %v, want ErrUnauthenticated", err)
	}
	// Cleanup removes the expired session and the login's ended rate-limit window.
	removed, err := f.svc.Cleanup(ctx)
	if err != nil || removed != 2 {
		t.Fatalf("Cleanup = %d, %v; want 2 rows", removed, err)
	}
	if n := f.count(t, `SELECT count(*) FROM user_sessions`) + f.count(t, `SELECT count(*) FROM rate_limits`); n != 0 {
		t.Fatalf("%d rows left after Cleanup", n)
	}
}

func TestLogoutAndRevocation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.register(t, "Mallory", "mallory@example.com", "mallory-password")
	login := func() Session {
		t.Helper()
		s, err := f.svc.Login(ctx, "mallory@example.com", "mallory-password", "", "")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	laptop, phone := login(), login()
	if laptop.Token == phone.Token {
		t.Fatal("two logins share a token")
	}

	if err := f.svc.Logout(ctx, laptop.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, laptop.Token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("after logout: %v, want ErrUnauthenticated", err)
	}
	if _, err := f.svc.Authenticate(ctx, phone.Token); err != nil {
		t.Fatalf("the other session after logout: %v", err)
	}
	// Idempotent, and quiet for tokens that never worked.
	for _, tok := range []string{laptop.Token, "", "garbage", UserSessionPrefix + strings.Repeat("A", 43)} {
		if err := f.svc.Logout(ctx, tok); err != nil {
			t.Fatalf("Logout(%q) = %v", tok, err)
		}
	}

	tablet := login()
	if err := f.svc.RevokeAllSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, s := range []Session{phone, tablet} {
		if _, err := f.svc.Authenticate(ctx, s.Token); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("after RevokeAllSessions: %v, want ErrUnauthenticated", err)
		}
	}
	if _, err := f.svc.Authenticate(ctx, login().Token); err != nil {
		t.Fatalf("a new login after RevokeAllSessions: %v", err)
	}
}

func TestAuthenticateRefusesGarbage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	f.register(t, "Trent", "trent@example.com", "trent-password")
	sess, err := f.svc.Login(ctx, "trent@example.com", "trent-password", "", "")
	if err != nil {
		t.Fatal(err)
	}
	unknown, _ := NewToken(UserSessionPrefix)
	candidate, _ := NewToken(CandidateTokenPrefix)
	for name, tok := range map[string]string{
		"empty":              "",
		"unknown":            unknown,
		"candidate token":    candidate,
		"bearer prefix kept": "Bearer " + sess.Token,
		"truncated":          sess.Token[:len(sess.Token)-1],
		"extended":           sess.Token + "x",
		"upper-cased":        strings.ToUpper(sess.Token),
		"invalid utf-8":      "\xff\xfe\xfd",
		"nul bytes":          UserSessionPrefix + strings.Repeat("\x00", 43),
		"sql":                "' OR 1=1 --",
		"huge":               strings.Repeat("a", 1<<20),
	} {
		u, err := f.svc.Authenticate(ctx, tok)
		if err != ErrUnauthenticated {
			t.Errorf("%s: Authenticate = %+v, %v; want exactly ErrUnauthenticated", name, u, err)
		}
	}
}

func TestLoginStoresOddClientDetails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	f.register(t, "Odd", "odd@example.com", "odd-password")
	sess, err := f.svc.Login(ctx, "odd@example.com", "odd-password", "\xff\x00::1", "agent\x00\xfe"+strings.Repeat("é", 1000))
	if err != nil {
		t.Fatalf("Login with odd client details: %v", err)
	}
	var ip, ua string
	if err := f.db.Pool.QueryRow(ctx, `SELECT client_ip, user_agent FROM user_sessions WHERE token_hash = $1`, HashToken(sess.Token)).Scan(&ip, &ua); err != nil {
		t.Fatal(err)
	}
	if ip != "\uFFFD::1" || !strings.HasPrefix(ua, "agent\uFFFDé") || len(ua) > maxClientBytes {
		t.Fatalf("stored client_ip %q, user_agent %q (%d bytes)", ip, ua, len(ua))
	}
}

func TestLoginUpgradesHashWhenParamsChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.register(t, "Old", "old@example.com", "old-password")
	storedHash := func() string {
		t.Helper()
		var h string
		if err := f.db.Pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := storedHash()

	stronger := HashParams{Memory: 16 * 1024, Time: 2, Threads: 1}
	upgraded, err := New(f.db.Pool, Config{HashParams: stronger, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := upgraded.Login(ctx, "old@example.com", "wrong-password", "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatal(err)
	}
	if storedHash() != before {
		t.Fatal("a failed login replaced the hash")
	}
	if _, err := upgraded.Login(ctx, "old@example.com", "old-password", "", ""); err != nil {
		t.Fatalf("login with the old hash: %v", err)
	}
	after := storedHash()
	if !strings.HasPrefix(after, "$argon2id$v=19$m=16384,t=2,p=1$") {
		t.Fatalf("hash after login = %q, want one with the new parameters", after)
	}
	if _, err := upgraded.Login(ctx, "old@example.com", "old-password", "", ""); err != nil {
		t.Fatalf("login with the upgraded hash: %v", err)
	}
	if storedHash() != after {
		t.Fatal("a hash with the current parameters was replaced again")
	}
	// Servers still on the old parameters keep accepting the upgraded hash.
	if _, err := f.svc.Login(ctx, "old@example.com", "old-password", "", ""); err != nil {
		t.Fatalf("old server, new hash: %v", err)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	db := newFixture(t, nil).db
	if _, err := New(nil, Config{}); err == nil {
		t.Error("New(nil pool) succeeded")
	}
	for name, cfg := range map[string]Config{
		"bad hash params":     {HashParams: HashParams{Memory: 1, Time: 1, Threads: 1}},
		"negative ttl":        {HashParams: cheapParams, SessionTTL: -time.Second},
		"negative limit":      {HashParams: cheapParams, LoginLimit: LoginLimit{PerEmail: -1}},
		"unsupported oauth":   {HashParams: cheapParams, OAuth: map[string]OAuthProvider{"gitlab": {ClientID: "x", ClientSecret: "y", RedirectURL: "https://app.example/cb"}}},
		"oauth no secret":     {HashParams: cheapParams, OAuth: map[string]OAuthProvider{"github": {ClientID: "x", RedirectURL: "https://app.example/cb"}}},
		"oauth relative urls": {HashParams: cheapParams, OAuth: map[string]OAuthProvider{"google": {ClientID: "x", ClientSecret: "y", RedirectURL: "/cb"}}},
	} {
		if _, err := New(db.Pool, cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	s, err := New(db.Pool, Config{HashParams: cheapParams})
	if err != nil {
		t.Fatal(err)
	}
	if s.sessionTTL != DefaultSessionTTL || s.login != (LoginLimit{PerEmail: 5, PerAddress: 20, Window: 15 * time.Minute}) {
		t.Fatalf("defaults: ttl %s, login %+v", s.sessionTTL, s.login)
	}
	if s, err := New(db.Pool, Config{}); err != nil || s.params != DefaultHashParams {
		t.Fatalf("zero HashParams: %+v, %v; want DefaultHashParams", s.params, err)
	}
}
