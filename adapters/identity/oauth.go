package identity

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"
)

// OAuth provider names.
const (
	ProviderGitHub = "github"
	ProviderGoogle = "google"
)

// OAuthStateTTL is how long a sign-in may take between OAuthStart and its callback.
const OAuthStateTTL = 10 * time.Minute

// maxProviderResponse caps what is read from a provider's user endpoints.
const maxProviderResponse = 1 << 20

// OAuthProvider configures sign-in through one provider. ClientID, ClientSecret and RedirectURL
// (this service's callback URL, as registered with the provider) are required; the endpoints
// and scopes default to the provider's real ones and are configurable so that tests, and
// GitHub Enterprise, can point elsewhere.
type OAuthProvider struct {
	ClientID     string
	ClientSecret string
	RedirectURL  string
	AuthURL      string
	TokenURL     string
	// UserInfoURL is GitHub's user endpoint (its /emails below it gives the verified addresses)
	// or Google's OpenID Connect userinfo endpoint.
	UserInfoURL string
	Scopes      []string
}

// providerDefaults are the real endpoints and the least scopes that give a user's identity and
// verified email.
var providerDefaults = map[string]OAuthProvider{
	ProviderGitHub: {
		AuthURL:     "https://github.com/login/oauth/authorize",
		TokenURL:    "https://github.com/login/oauth/access_token",
		UserInfoURL: "https://api.github.com/user",
		Scopes:      []string{"read:user", "user:email"},
	},
	ProviderGoogle: {
		AuthURL:     "https://accounts.google.com/o/oauth2/v2/auth",
		TokenURL:    "https://oauth2.googleapis.com/token",
		UserInfoURL: "https://openidconnect.googleapis.com/v1/userinfo",
		Scopes:      []string{"openid", "email", "profile"},
	},
}

// providerUser is what a provider says about the person signing in.
type providerUser struct {
	ID            string
	Email         string
	EmailVerified bool
	Name          string
}

type oauthProvider struct {
	conf        *oauth2.Config
	userInfoURL string
	fetchUser   func(ctx context.Context, client *http.Client, userInfoURL, accessToken string) (providerUser, error)
}

func newOAuthProviders(cfg map[string]OAuthProvider) (map[string]*oauthProvider, error) {
	providers := make(map[string]*oauthProvider, len(cfg))
	for name, c := range cfg {
		d, ok := providerDefaults[name]
		if !ok {
			return nil, fmt.Errorf("identity: unsupported OAuth provider %q (supported: %s, %s)", name, ProviderGitHub, ProviderGoogle)
		}
		if c.ClientID == "" {
			continue
		}
		if c.ClientSecret == "" || c.RedirectURL == "" {
			return nil, fmt.Errorf("identity: OAuth provider %s needs a client secret and a redirect URL", name)
		}
		c.AuthURL = cmp.Or(c.AuthURL, d.AuthURL)
		c.TokenURL = cmp.Or(c.TokenURL, d.TokenURL)
		c.UserInfoURL = cmp.Or(c.UserInfoURL, d.UserInfoURL)
		if len(c.Scopes) == 0 {
			c.Scopes = d.Scopes
		}
		for _, raw := range []string{c.RedirectURL, c.AuthURL, c.TokenURL, c.UserInfoURL} {
			if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, fmt.Errorf("identity: OAuth provider %s: %q is not an absolute http(s) URL", name, raw)
			}
		}
		p := &oauthProvider{
			conf: &oauth2.Config{
				ClientID:     c.ClientID,
				ClientSecret: c.ClientSecret,
				RedirectURL:  c.RedirectURL,
				Scopes:       c.Scopes,
				// Both providers take the credentials as form parameters; saying so avoids
				// auto-detection's extra failed request.
				Endpoint: oauth2.Endpoint{AuthURL: c.AuthURL, TokenURL: c.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
			},
			userInfoURL: strings.TrimRight(c.UserInfoURL, "/"),
		}
		switch name {
		case ProviderGitHub:
			p.fetchUser = fetchGitHubUser
		case ProviderGoogle:
			p.fetchUser = fetchGoogleUser
		}
		providers[name] = p
	}
	return providers, nil
}

// OAuthProviders lists the configured providers' names, so that a login page shows only
// the buttons that work.
func (s *Service) OAuthProviders() []string {
	names := make([]string, 0, len(s.oauth))
	for name := range s.oauth {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// OAuthStart begins a sign-in with provider and returns the provider's authorization URL to
// redirect the browser to. It records a random state (hashed, for OAuthStateTTL), which ties
// the callback to this start, and a PKCE verifier, which ties the authorization code to this
// server. redirectTo is where the app should go after the callback; anything but a local path
// is replaced by "/" (SafeRedirectPath).
func (s *Service) OAuthStart(ctx context.Context, provider, redirectTo string) (authURL string, err error) {
	p, ok := s.oauth[provider]
	if !ok {
		return "", ErrUnknownProvider
	}
	state, stateHash := NewToken("")
	verifier := oauth2.GenerateVerifier()
	now := s.now()
	_, err = s.pool.Exec(ctx, `
		INSERT INTO oauth_states (state_hash, provider, code_verifier, redirect_to, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		stateHash, provider, verifier, SafeRedirectPath(redirectTo), now, now.Add(OAuthStateTTL))
	if err != nil {
		return "", fmt.Errorf("identity: start %s sign-in: %w", provider, err)
	}
	return p.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), nil
}

// OAuthCallback completes a sign-in: it consumes the state (a state that was never issued, was
// used before, belongs to another provider or has expired is ErrOAuthState), exchanges the code
// with the PKCE verifier, reads the provider's user and signs them in. The account is the one
// already linked to the provider's user; else the account with the same email, when the provider
// has verified that email; else a new account without a password. It returns the session and
// the local path to send the browser to.
func (s *Service) OAuthCallback(ctx context.Context, provider, state, code, clientIP, userAgent string) (Session, string, error) {
	p, ok := s.oauth[provider]
	if !ok {
		return Session{}, "", ErrUnknownProvider
	}
	if state == "" {
		return Session{}, "", ErrOAuthState
	}
	var (
		issuedFor, verifier, redirectTo string
		expiresAt                       time.Time
	)
	// Deleting is what makes a state single-use, even when two callbacks race with it.
	err := s.pool.QueryRow(ctx, `
		DELETE FROM oauth_states WHERE state_hash = $1
		RETURNING provider, code_verifier, redirect_to, expires_at`, HashToken(state)).
		Scan(&issuedFor, &verifier, &redirectTo, &expiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, "", ErrOAuthState
	}
	if err != nil {
		return Session{}, "", fmt.Errorf("identity: %s callback: %w", provider, err)
	}
	if issuedFor != provider || !s.now().Before(expiresAt) {
		return Session{}, "", ErrOAuthState
	}
	if code == "" {
		return Session{}, "", fmt.Errorf("%w: %s sent no authorization code", ErrOAuthFailed, provider)
	}

	tok, err := p.conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, s.http), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Session{}, "", fmt.Errorf("%w: %s token exchange: %w", ErrOAuthFailed, provider, err)
	}
	pu, err := p.fetchUser(ctx, s.http, p.userInfoURL, tok.AccessToken)
	if err != nil {
		return Session{}, "", fmt.Errorf("%w: %s user: %w", ErrOAuthFailed, provider, err)
	}
	sess, err := s.signInWithProvider(ctx, provider, pu, clientIP, userAgent)
	if err != nil {
		return Session{}, "", err
	}
	return sess, redirectTo, nil
}

// signInWithProvider finds or creates the account for a provider's user and opens a session.
// Two sign-ins racing to create the same account or link collide on a unique constraint; the
// loser tries again and finds what the winner made.
func (s *Service) signInWithProvider(ctx context.Context, provider string, pu providerUser, clientIP, userAgent string) (Session, error) {
	for attempt := 1; ; attempt++ {
		var sess Session
		err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
			u, err := s.accountFor(ctx, tx, provider, pu)
			if err != nil {
				return err
			}
			sess, err = s.newSession(ctx, tx, u, clientIP, userAgent)
			return err
		})
		if attempt < 3 && (isUniqueViolation(err, "users_email_key") || isUniqueViolation(err, "oauth_accounts_pkey")) {
			continue
		}
		return sess, err
	}
}

func (s *Service) accountFor(ctx context.Context, tx pgx.Tx, provider string, pu providerUser) (User, error) {
	u, err := scanUser(tx.QueryRow(ctx, `
		SELECT `+prefixed("u.", userColumns)+`
		FROM oauth_accounts a JOIN users u ON u.id = a.user_id
		WHERE a.provider = $1 AND a.provider_user_id = $2`, provider, pu.ID))
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("identity: find %s account: %w", provider, err)
	}

	// Not linked yet. Only an address the provider has verified may claim an account: else
	// anyone could name someone else's email at the provider and sign in as them.
	if !pu.EmailVerified {
		return User{}, ErrOAuthEmailUnverified
	}
	email, err := NormalizeEmail(pu.Email)
	if err != nil {
		return User{}, fmt.Errorf("%w: %s gave an unusable email: %w", ErrOAuthFailed, provider, err)
	}
	now := s.now()
	u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1 FOR UPDATE`, email))
	switch {
	case err == nil && !u.EmailVerified:
		// The account's password was set by someone who never proved they own this address:
		// it may be an attacker who registered it first, waiting for the owner to link it.
		// The owner just proved ownership, so that password and its sessions stop working.
		if _, err := tx.Exec(ctx, `UPDATE users SET email_verified = true, password_hash = NULL WHERE id = $1`, u.ID); err != nil {
			return User{}, fmt.Errorf("identity: verify %s: %w", u.ID, err)
		}
		if err := revokeSessions(ctx, tx, u.ID, now); err != nil {
			return User{}, err
		}
		u.EmailVerified = true
	case err == nil:
	case errors.Is(err, pgx.ErrNoRows):
		u, err = scanUser(tx.QueryRow(ctx, `
			INSERT INTO users (name, email, password_hash, email_verified, created_at) VALUES ($1, $2, NULL, true, $3)
			RETURNING `+userColumns, displayName(pu.Name, email), email, now))
		if err != nil {
			return User{}, fmt.Errorf("identity: create user from %s: %w", provider, err)
		}
	default:
		return User{}, fmt.Errorf("identity: find user by email: %w", err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO oauth_accounts (provider, provider_user_id, user_id, email, created_at) VALUES ($1, $2, $3, $4, $5)`,
		provider, pu.ID, u.ID, email, now)
	if err != nil {
		return User{}, fmt.Errorf("identity: link %s account: %w", provider, err)
	}
	return u, nil
}

// displayName makes a provider's name acceptable as a user's name, falling back to the email's
// local part: providers allow names our accounts do not (empty, over long, control characters).
func displayName(name, email string) string {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, cleanText(name, 4*MaxNameRunes))
	clean = strings.TrimSpace(clean)
	if clean == "" {
		clean, _, _ = strings.Cut(email, "@")
	}
	if utf8.RuneCountInString(clean) > MaxNameRunes {
		clean = strings.TrimSpace(string([]rune(clean)[:MaxNameRunes]))
	}
	return clean
}

// SafeRedirectPath returns p when it is a path on this site ("/…"), and "/" for anything a
// browser could take to another origin: absolute URLs, scheme-relative "//host", "/\host"
// (browsers read a backslash as a slash), and paths with spaces or control characters (which
// browsers strip, turning "/\t/host" into "//host"). This keeps sign-in from being an open
// redirect.
func SafeRedirectPath(p string) string {
	if len(p) > 2048 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, `\`) ||
		!utf8.ValidString(p) || strings.ContainsFunc(p, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return p
}

// fetchGitHubUser reads GitHub's user endpoint and the addresses under /emails: the profile's
// email is whatever the user chose to show, not necessarily verified, so the primary address
// counts only when /emails says it is verified.
func fetchGitHubUser(ctx context.Context, client *http.Client, userInfoURL, accessToken string) (providerUser, error) {
	var profile struct {
		ID    json.Number `json:"id"`
		Login string      `json:"login"`
		Name  string      `json:"name"`
		Email string      `json:"email"`
	}
	if err := getJSON(ctx, client, userInfoURL, accessToken, "application/vnd.github+json", &profile); err != nil {
		return providerUser{}, err
	}
	if _, err := strconv.ParseInt(profile.ID.String(), 10, 64); err != nil {
		return providerUser{}, fmt.Errorf("github user has no numeric id (%q)", profile.ID)
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := getJSON(ctx, client, userInfoURL+"/emails", accessToken, "application/vnd.github+json", &emails); err != nil {
		return providerUser{}, err
	}
	pu := providerUser{ID: profile.ID.String(), Name: cmp.Or(profile.Name, profile.Login), Email: profile.Email}
	for _, e := range emails {
		if e.Primary {
			pu.Email, pu.EmailVerified = e.Email, e.Verified
		}
	}
	return pu, nil
}

// fetchGoogleUser reads Google's OpenID Connect userinfo endpoint.
func fetchGoogleUser(ctx context.Context, client *http.Client, userInfoURL, accessToken string) (providerUser, error) {
	var info struct {
		Sub           string   `json:"sub"`
		Email         string   `json:"email"`
		EmailVerified jsonBool `json:"email_verified"`
		Name          string   `json:"name"`
	}
	if err := getJSON(ctx, client, userInfoURL, accessToken, "application/json", &info); err != nil {
		return providerUser{}, err
	}
	if info.Sub == "" {
		return providerUser{}, errors.New("google userinfo has no sub")
	}
	return providerUser{ID: info.Sub, Email: info.Email, EmailVerified: bool(info.EmailVerified), Name: info.Name}, nil
}

// jsonBool accepts true and "true": Google's endpoints have sent email_verified both ways.
type jsonBool bool

func (b *jsonBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case `true`, `"true"`:
		*b = true
	case `false`, `"false"`, `null`:
		*b = false
	default:
		return fmt.Errorf("email_verified is %s, not a boolean", data)
	}
	return nil
}

func getJSON(ctx context.Context, client *http.Client, endpoint, accessToken, accept string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProviderResponse))
	if err != nil {
		return fmt.Errorf("GET %s: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %.200s", endpoint, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %w", endpoint, err)
	}
	return nil
}
