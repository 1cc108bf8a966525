package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// fakeProvider is an OAuth 2.0 authorization server with GitHub's and Google's user endpoints,
// enough of the protocol to fail a client that gets it wrong: the token endpoint checks the
// client secret, the redirect URI, single use of the code and the PKCE verifier against the
// S256 challenge sent to the authorize endpoint.
type fakeProvider struct {
	t      *testing.T
	server *httptest.Server

	mu     sync.Mutex
	github githubIdentity
	google googleIdentity
	codes  map[string]issuedCode
	tokens map[string]issuedCode
	// refusals counts token requests refused, by reason.
	refusals map[string]int
}

type githubIdentity struct {
	ID     int64
	Login  string
	Name   string
	Emails []map[string]any
}

type googleIdentity struct {
	Sub           string
	Email         string
	EmailVerified any
	Name          string
}

type issuedCode struct {
	provider, clientID, redirectURI, challenge string
	github                                     githubIdentity
	google                                     googleIdentity
}

const (
	testClientID     = "client-id-123"
	testClientSecret = "client-secret-456"
	testCallback     = "https://app.example/api/auth/oauth/%s/callback"
)

func newFakeProvider(t *testing.T) *fakeProvider {
	p := &fakeProvider{t: t, codes: map[string]issuedCode{}, tokens: map[string]issuedCode{}, refusals: map[string]int{}}
	mux := http.NewServeMux()
	for _, name := range []string{ProviderGitHub, ProviderGoogle} {
		mux.HandleFunc("GET /"+name+"/authorize", func(w http.ResponseWriter, r *http.Request) { p.authorizeEndpoint(w, r, name) })
		mux.HandleFunc("POST /"+name+"/token", func(w http.ResponseWriter, r *http.Request) { p.tokenEndpoint(w, r, name) })
	}
	mux.HandleFunc("GET /github/user", func(w http.ResponseWriter, r *http.Request) {
		if c, ok := p.bearer(w, r, ProviderGitHub); ok {
			writeJSON(w, http.StatusOK, map[string]any{"id": c.github.ID, "login": c.github.Login, "name": c.github.Name, "email": nil})
		}
	})
	mux.HandleFunc("GET /github/user/emails", func(w http.ResponseWriter, r *http.Request) {
		if c, ok := p.bearer(w, r, ProviderGitHub); ok {
			writeJSON(w, http.StatusOK, c.github.Emails)
		}
	})
	mux.HandleFunc("GET /google/userinfo", func(w http.ResponseWriter, r *http.Request) {
		if c, ok := p.bearer(w, r, ProviderGoogle); ok {
			writeJSON(w, http.StatusOK, map[string]any{"sub": c.google.Sub, "email": c.google.Email,
				"email_verified": c.google.EmailVerified, "name": c.google.Name})
		}
	})
	p.server = httptest.NewServer(mux)
	t.Cleanup(p.server.Close)
	return p
}

// config returns the providers' configuration pointing at this server.
func (p *fakeProvider) config() map[string]OAuthProvider {
	return map[string]OAuthProvider{
		ProviderGitHub: {
			ClientID: testClientID, ClientSecret: testClientSecret,
			RedirectURL: strings.Replace(testCallback, "%s", "github", 1),
			AuthURL:     p.server.URL + "/github/authorize", TokenURL: p.server.URL + "/github/token",
			UserInfoURL: p.server.URL + "/github/user",
		},
		ProviderGoogle: {
			ClientID: testClientID, ClientSecret: testClientSecret,
			RedirectURL: strings.Replace(testCallback, "%s", "google", 1),
			AuthURL:     p.server.URL + "/google/authorize", TokenURL: p.server.URL + "/google/token",
			UserInfoURL: p.server.URL + "/google/userinfo",
		},
	}
}

func (p *fakeProvider) setGitHub(id githubIdentity) { p.mu.Lock(); p.github = id; p.mu.Unlock() }
func (p *fakeProvider) setGoogle(id googleIdentity) { p.mu.Lock(); p.google = id; p.mu.Unlock() }

func (p *fakeProvider) authorizeEndpoint(w http.ResponseWriter, r *http.Request, provider string) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != testClientID || q.Get("state") == "" ||
		q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 {
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	code := randomString()
	p.mu.Lock()
	p.codes[code] = issuedCode{provider: provider, clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"),
		challenge: q.Get("code_challenge"), github: p.github, google: p.google}
	p.mu.Unlock()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Scheme == "" {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	v := back.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *fakeProvider) tokenEndpoint(w http.ResponseWriter, r *http.Request, provider string) {
	if err := r.ParseForm(); err != nil {
		p.refuse(w, "form", http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != testClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(testClientSecret)) != 1 {
		p.refuse(w, "client", http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		p.refuse(w, "grant_type", http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	p.mu.Lock()
	code, ok := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code")) // an authorization code works once
	p.mu.Unlock()
	if !ok || code.provider != provider || code.clientID != id {
		p.refuse(w, "code", http.StatusBadRequest, "invalid_grant")
		return
	}
	if r.PostForm.Get("redirect_uri") != code.redirectURI {
		p.refuse(w, "redirect_uri", http.StatusBadRequest, "invalid_grant")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != code.challenge {
		p.refuse(w, "pkce", http.StatusBadRequest, "invalid_grant")
		return
	}
	access := randomString()
	p.mu.Lock()
	p.tokens[access] = code
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600})
}

func (p *fakeProvider) refuse(w http.ResponseWriter, reason string, status int, code string) {
	p.mu.Lock()
	p.refusals[reason]++
	p.mu.Unlock()
	writeJSON(w, status, map[string]string{"error": code})
}

func (p *fakeProvider) refused(reason string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusals[reason]
}

func (p *fakeProvider) bearer(w http.ResponseWriter, r *http.Request, provider string) (issuedCode, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	c, known := p.tokens[tok]
	p.mu.Unlock()
	if !ok || !known || c.provider != provider {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return issuedCode{}, false
	}
	return c, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomString() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorize plays the browser: it starts a sign-in and follows the redirect to the provider,
// which sends it back to the callback URL with a code and the state.
func (p *fakeProvider) authorize(t *testing.T, s *Service, provider, redirectTo string) (state, code string) {
	t.Helper()
	authURL, err := s.OAuthStart(context.Background(), provider, redirectTo)
	if err != nil {
		t.Fatalf("OAuthStart(%s): %v", provider, err)
	}
	if !strings.HasPrefix(authURL, p.server.URL+"/"+provider+"/authorize?") {
		t.Fatalf("auth URL %q does not point at the %s authorize endpoint", authURL, provider)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %s", resp.Status)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(testCallback, "%s", provider, 1); back.Scheme+"://"+back.Host+back.Path != want {
		t.Fatalf("provider redirected to %q, want the callback %q", back, want)
	}
	return back.Query().Get("state"), back.Query().Get("code")
}

func newOAuthFixture(t *testing.T) (*fixture, *fakeProvider) {
	p := newFakeProvider(t)
	f := newFixture(t, func(c *Config) { c.OAuth = p.config() })
	return f, p
}

func verifiedGitHub(id int64, email string) githubIdentity {
	return githubIdentity{ID: id, Login: "octo", Name: "Octo Cat", Emails: []map[string]any{
		{"email": "octo@users.noreply.github.com", "primary": false, "verified": true},
		{"email": email, "primary": true, "verified": true},
	}}
}

func TestOAuthGitHubCreatesAccount(t *testing.T) {
	t.Parallel()
	f, p := newOAuthFixture(t)
	ctx := context.Background()
	p.setGitHub(verifiedGitHub(583231, "Octo@Example.com"))

	state, code := p.authorize(t, f.svc, ProviderGitHub, "/assessments/42?tab=candidates")
	sess, redirectTo, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, code, "192.0.2.5", "browser")
	if err != nil {
		t.Fatalf("OAuthCallback: %v", err)
	}
	if redirectTo != "/assessments/42?tab=candidates" {
		t.Fatalf("redirectTo = %q", redirectTo)
	}
	u := sess.User
	if u.Email != "octo@example.com" || u.Name != "Octo Cat" || !u.EmailVerified {
		t.Fatalf("created user %+v", u)
	}
	if got, err := f.svc.Authenticate(ctx, sess.Token); err != nil || got != u {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	if n := f.count(t, `SELECT count(*) FROM oauth_accounts WHERE provider = 'github' AND provider_user_id = '583231' AND user_id = $1`, u.ID); n != 1 {
		t.Fatalf("oauth_accounts rows: %d, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM users WHERE id = $1 AND password_hash IS NULL`, u.ID); n != 1 {
		t.Fatal("an OAuth account got a password")
	}
	// No password works for an account without one.
	if _, err := f.svc.Login(ctx, "octo@example.com", "", "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("password login to an OAuth-only account: %v", err)
	}
	// The state is stored hashed and is gone once used.
	if n := f.count(t, `SELECT count(*) FROM oauth_states`); n != 0 {
		t.Fatalf("%d states left after the callback", n)
	}
}

func TestOAuthGoogleCreatesAccountAndSecondSignInReusesIt(t *testing.T) {
	t.Parallel()
	f, p := newOAuthFixture(t)
	ctx := context.Background()
	p.setGoogle(googleIdentity{Sub: "10769150350006150715113082367", Email: "jane@example.org", EmailVerified: true, Name: "Jane Doe"})

	state, code := p.authorize(t, f.svc, ProviderGoogle, "")
	first, redirectTo, err := f.svc.OAuthCallback(ctx, ProviderGoogle, state, code, "", "")
	if err != nil {
		t.Fatalf("first sign-in: %v", err)
	}
	if redirectTo != "/" || first.User.Email != "jane@example.org" || first.User.Name != "Jane Doe" || !first.User.EmailVerified {
		t.Fatalf("first sign-in: %+v, redirect %q", first.User, redirectTo)
	}

	// The account is found by the provider's user id, even after the email changed there, and
	// Google's string form of email_verified is understood.
	p.setGoogle(googleIdentity{Sub: "10769150350006150715113082367", Email: "jane.doe@example.org", EmailVerified: "true", Name: "J. Doe"})
	state, code = p.authorize(t, f.svc, ProviderGoogle, "/dashboard")
	second, redirectTo, err := f.svc.OAuthCallback(ctx, ProviderGoogle, state, code, "", "")
	if err != nil {
		t.Fatalf("second sign-in: %v", err)
	}
	if second.User != first.User || redirectTo != "/dashboard" {
		t.Fatalf("second sign-in got %+v, want the linked %+v", second.User, first.User)
	}
	if second.Token == first.Token {
		t.Fatal("second sign-in reused the session token")
	}
	if n := f.count(t, `SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("%d users after two sign-ins, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM oauth_accounts`); n != 1 {
		t.Fatalf("%d oauth_accounts after two sign-ins, want 1", n)
	}
}

func TestOAuthLinksVerifiedEmailToPasswordAccount(t *testing.T) {
	t.Parallel()
	f, p := newOAuthFixture(t)
	ctx := context.Background()
	existing := f.register(t, "Ann", "Ann@Example.com", "ann-password")
	old, err := f.svc.Login(ctx, "ann@example.com", "ann-password", "", "")
	if err != nil {
		t.Fatal(err)
	}

	p.setGitHub(verifiedGitHub(1001, "ANN@example.com"))
	state, code := p.authorize(t, f.svc, ProviderGitHub, "/")
	sess, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, code, "", "")
	if err != nil {
		t.Fatalf("OAuthCallback: %v", err)
	}
	if sess.User.ID != existing.ID || sess.User.Name != "Ann" || !sess.User.EmailVerified {
		t.Fatalf("signed in as %+v, want the existing account %s, now verified", sess.User, existing.ID)
	}
	if n := f.count(t, `SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM oauth_accounts WHERE provider = 'github' AND provider_user_id = '1001' AND user_id = $1`, existing.ID); n != 1 {
		t.Fatal("the GitHub account was not linked")
	}
	// Nobody had proved owning the address when the password was set (it could have been an
	// attacker registering it first), so it and its sessions stop working now that the owner did.
	if _, err := f.svc.Authenticate(ctx, old.Token); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("session from the unverified password: %v, want ErrUnauthenticated", err)
	}
	if _, err := f.svc.Login(ctx, "ann@example.com", "ann-password", "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("unverified password after linking: %v, want ErrInvalidCredentials", err)
	}
	if _, err := f.svc.Authenticate(ctx, sess.Token); err != nil {
		t.Fatalf("OAuth session: %v", err)
	}

	// A second provider with the same verified address links to the same account, which keeps
	// its GitHub link.
	p.setGoogle(googleIdentity{Sub: "g-ann", Email: "ann@example.com", EmailVerified: true, Name: "Ann G"})
	state, code = p.authorize(t, f.svc, ProviderGoogle, "/")
	viaGoogle, _, err := f.svc.OAuthCallback(ctx, ProviderGoogle, state, code, "", "")
	if err != nil || viaGoogle.User.ID != existing.ID {
		t.Fatalf("Google sign-in: %+v, %v; want account %s", viaGoogle.User, err, existing.ID)
	}
	if _, err := f.svc.Authenticate(ctx, sess.Token); err != nil {
		t.Fatalf("linking a second provider to a verified account revoked its sessions: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM oauth_accounts WHERE user_id = $1`, existing.ID); n != 2 {
		t.Fatalf("%d links, want 2", n)
	}
}

func TestOAuthRefusesUnverifiedEmail(t *testing.T) {
	t.Parallel()
	f, p := newOAuthFixture(t)
	ctx := context.Background()
	victim := f.register(t, "Victim", "victim@example.com", "victim-password")

	for _, tc := range []struct {
		name   string
		set    func()
		provid string
	}{
		{"github primary unverified", func() {
			p.setGitHub(githubIdentity{ID: 666, Login: "attacker", Emails: []map[string]any{
				{"email": "victim@example.com", "primary": true, "verified": false},
				{"email": "attacker@evil.example", "primary": false, "verified": true},
			}})
		}, ProviderGitHub},
		{"github no emails", func() { p.setGitHub(githubIdentity{ID: 667, Login: "ghost"}) }, ProviderGitHub},
		{"google unverified", func() {
			p.setGoogle(googleIdentity{Sub: "g-666", Email: "victim@example.com", EmailVerified: false})
		}, ProviderGoogle},
		{"google unverified new address", func() {
			p.setGoogle(googleIdentity{Sub: "g-667", Email: "fresh@example.com", EmailVerified: "false"})
		}, ProviderGoogle},
	} {
		tc.set()
		state, code := p.authorize(t, f.svc, tc.provid, "/")
		_, _, err := f.svc.OAuthCallback(ctx, tc.provid, state, code, "", "")
		if !errors.Is(err, ErrOAuthEmailUnverified) {
			t.Errorf("%s: %v, want ErrOAuthEmailUnverified", tc.name, err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM oauth_accounts`); n != 0 {
		t.Fatalf("%d oauth_accounts after refused sign-ins", n)
	}
	if n := f.count(t, `SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("%d users after refused sign-ins, want only the victim", n)
	}
	if _, err := f.svc.Login(ctx, "victim@example.com", "victim-password", "", ""); err != nil {
		t.Fatalf("the victim's password after refused sign-ins: %v", err)
	}
	if u, _ := f.svc.UserByID(ctx, victim.ID); u.EmailVerified {
		t.Fatal("an unverified sign-in marked the victim's email verified")
	}
}

func TestOAuthStateChecks(t *testing.T) {
	t.Parallel()
	f, p := newOAuthFixture(t)
	ctx := context.Background()
	p.setGitHub(verifiedGitHub(42, "dev@example.com"))
	p.setGoogle(googleIdentity{Sub: "g-42", Email: "dev@example.com", EmailVerified: true})

	t.Run("forged", func(t *testing.T) {
		_, code := p.authorize(t, f.svc, ProviderGitHub, "/")
		forged, _ := NewToken("")
		for _, state := range []string{forged, "", "\xff\x00"} {
			if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, code, "", ""); !errors.Is(err, ErrOAuthState) {
				t.Errorf("state %q: %v, want ErrOAuthState", state, err)
			}
		}
	})
	t.Run("replayed", func(t *testing.T) {
		state, code := p.authorize(t, f.svc, ProviderGitHub, "/")
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, code, "", ""); err != nil {
			t.Fatalf("first use: %v", err)
		}
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, code, "", ""); !errors.Is(err, ErrOAuthState) {
			t.Fatalf("replay: %v, want ErrOAuthState", err)
		}
		// A state replayed with a fresh code (an attacker's own) is refused as well.
		_, fresh := p.authorize(t, f.svc, ProviderGitHub, "/")
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, fresh, "", ""); !errors.Is(err, ErrOAuthState) {
			t.Fatalf("replay with another code: %v, want ErrOAuthState", err)
		}
	})
	t.Run("other provider", func(t *testing.T) {
		state, code := p.authorize(t, f.svc, ProviderGoogle, "/")
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, code, "", ""); !errors.Is(err, ErrOAuthState) {
			t.Fatalf("google state at the github callback: %v, want ErrOAuthState", err)
		}
		// It was consumed by that attempt.
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGoogle, state, code, "", ""); !errors.Is(err, ErrOAuthState) {
			t.Fatalf("state after a cross-provider attempt: %v, want ErrOAuthState", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		state, code := p.authorize(t, f.svc, ProviderGitHub, "/")
		f.clock.Advance(OAuthStateTTL)
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, code, "", ""); !errors.Is(err, ErrOAuthState) {
			t.Fatalf("expired state: %v, want ErrOAuthState", err)
		}
	})
	t.Run("stored hashed", func(t *testing.T) {
		authURL, err := f.svc.OAuthStart(ctx, ProviderGitHub, "/")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(authURL)
		state := u.Query().Get("state")
		if n := f.count(t, `SELECT count(*) FROM oauth_states WHERE state_hash = $1 AND provider = 'github'`, HashToken(state)); n != 1 {
			t.Fatal("no oauth_states row under the state's hash")
		}
		if n := f.count(t, `SELECT count(*) FROM oauth_states WHERE position($1::bytea IN state_hash) > 0`, []byte(state)); n != 0 {
			t.Fatal("state stored in plain")
		}
	})
}

// TestOAuthTokenExchangeIsChecked makes the fake provider refuse exchanges that a careless
// client would send, proving both that it checks and that the service sends the right values.
func TestOAuthTokenExchangeIsChecked(t *testing.T) {
	t.Parallel()
	p := newFakeProvider(t)
	p.setGitHub(verifiedGitHub(7, "seven@example.com"))
	ctx := context.Background()

	t.Run("wrong PKCE verifier", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.OAuth = p.config() })
		state, code := p.authorize(t, f.svc, ProviderGitHub, "/")
		if _, err := f.db.Pool.Exec(ctx, `UPDATE oauth_states SET code_verifier = $1`, strings.Repeat("v", 43)); err != nil {
			t.Fatal(err)
		}
		before := p.refused("pkce")
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, code, "", ""); !errors.Is(err, ErrOAuthFailed) {
			t.Fatalf("tampered verifier: %v, want ErrOAuthFailed", err)
		}
		if p.refused("pkce") != before+1 {
			t.Fatal("the provider did not refuse the verifier")
		}
	})
	t.Run("wrong client secret", func(t *testing.T) {
		cfg := p.config()
		gh := cfg[ProviderGitHub]
		gh.ClientSecret = "not-the-secret"
		cfg[ProviderGitHub] = gh
		f := newFixture(t, func(c *Config) { c.OAuth = cfg })
		state, code := p.authorize(t, f.svc, ProviderGitHub, "/")
		before := p.refused("client")
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, code, "", ""); !errors.Is(err, ErrOAuthFailed) {
			t.Fatalf("wrong secret: %v, want ErrOAuthFailed", err)
		}
		if p.refused("client") != before+1 {
			t.Fatal("the provider did not refuse the client")
		}
	})
	t.Run("code used twice", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.OAuth = p.config() })
		state, code := p.authorize(t, f.svc, ProviderGitHub, "/")
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, code, "", ""); err != nil {
			t.Fatal(err)
		}
		// A fresh state with an already redeemed code gets past our check, not the provider's.
		state2, _ := p.authorize(t, f.svc, ProviderGitHub, "/")
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state2, code, "", ""); !errors.Is(err, ErrOAuthFailed) {
			t.Fatalf("redeemed code: %v, want ErrOAuthFailed", err)
		}
	})
	t.Run("no code", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.OAuth = p.config() })
		state, _ := p.authorize(t, f.svc, ProviderGitHub, "/")
		if _, _, err := f.svc.OAuthCallback(ctx, ProviderGitHub, state, "", "", ""); !errors.Is(err, ErrOAuthFailed) {
			t.Fatalf("no code: %v, want ErrOAuthFailed", err)
		}
	})
}

func TestOAuthUnknownProvider(t *testing.T) {
	t.Parallel()
	p := newFakeProvider(t)
	cfg := p.config()
	// A provider listed without a client id is left unconfigured.
	cfg[ProviderGoogle] = OAuthProvider{}
	f := newFixture(t, func(c *Config) { c.OAuth = cfg })
	ctx := context.Background()
	if got := f.svc.OAuthProviders(); len(got) != 1 || got[0] != ProviderGitHub {
		t.Fatalf("OAuthProviders = %v, want [github]", got)
	}
	for _, name := range []string{ProviderGoogle, "gitlab", "", "GitHub"} {
		if _, err := f.svc.OAuthStart(ctx, name, "/"); !errors.Is(err, ErrUnknownProvider) {
			t.Errorf("OAuthStart(%q) = %v, want ErrUnknownProvider", name, err)
		}
		if _, _, err := f.svc.OAuthCallback(ctx, name, "state", "code", "", ""); !errors.Is(err, ErrUnknownProvider) {
			t.Errorf("OAuthCallback(%q) = %v, want ErrUnknownProvider", name, err)
		}
	}
}

func TestOAuthDefaultsToRealEndpoints(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) {
		c.OAuth = map[string]OAuthProvider{
			ProviderGitHub: {ClientID: "gh", ClientSecret: "s", RedirectURL: "https://app.example/cb/github"},
			ProviderGoogle: {ClientID: "go", ClientSecret: "s", RedirectURL: "https://app.example/cb/google"},
		}
	})
	for provider, want := range map[string]string{
		ProviderGitHub: "https://github.com/login/oauth/authorize?",
		ProviderGoogle: "https://accounts.google.com/o/oauth2/v2/auth?",
	} {
		authURL, err := f.svc.OAuthStart(context.Background(), provider, "/")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(authURL)
		q := u.Query()
		if !strings.HasPrefix(authURL, want) || q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != "https://app.example/cb/"+provider {
			t.Errorf("%s auth URL %q", provider, authURL)
		}
	}
	if got := f.svc.oauth[ProviderGitHub].userInfoURL; got != "https://api.github.com/user" {
		t.Errorf("github user endpoint %q", got)
	}
	if got := f.svc.oauth[ProviderGoogle].conf.Scopes; strings.Join(got, " ") != "openid email profile" {
		t.Errorf("google scopes %v", got)
	}
}

func TestOAuthRedirectIsLocal(t *testing.T) {
	t.Parallel()
	f, p := newOAuthFixture(t)
	p.setGitHub(verifiedGitHub(9, "nine@example.com"))
	state, code := p.authorize(t, f.svc, ProviderGitHub, "https://evil.example/steal")
	_, redirectTo, err := f.svc.OAuthCallback(context.Background(), ProviderGitHub, state, code, "", "")
	if err != nil || redirectTo != "/" {
		t.Fatalf("callback after an absolute redirect: %q, %v; want \"/\"", redirectTo, err)
	}
}

func TestSafeRedirectPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "/",
		"/":                             "/",
		"/dashboard":                    "/dashboard",
		"/a/b?c=d&e=%2F#frag":           "/a/b?c=d&e=%2F#frag",
		"//evil.example":                "/",
		"///evil.example":               "/",
		`/\evil.example`:                "/",
		`/a\b`:                          "/",
		"/\t/evil.example":              "/",
		"/\n/evil.example":              "/",
		"/ /evil.example":               "/",
		"https://evil.example":          "/",
		"javascript:alert(1)":           "/",
		"evil.example/path":             "/",
		"dashboard":                     "/",
		"/\xff":                         "/",
		"/" + strings.Repeat("a", 3000): "/",
	} {
		if got := SafeRedirectPath(in); got != want {
			t.Errorf("SafeRedirectPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDisplayName(t *testing.T) {
	for _, tc := range []struct{ name, email, want string }{
		{"Jane Doe", "j@x.example", "Jane Doe"},
		{"  ", "jane@x.example", "jane"},
		{"Bad\x00\nName", "j@x.example", "BadName"},
		{strings.Repeat("é", 300), "j@x.example", strings.Repeat("é", 200)},
	} {
		got := displayName(tc.name, tc.email)
		if got != tc.want {
			t.Errorf("displayName(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if _, err := ValidateName(got); err != nil {
			t.Errorf("displayName(%q) = %q is not a valid name: %v", tc.name, got, err)
		}
	}
}
