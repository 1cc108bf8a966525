package httpapi_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/interviewlm/interviewlm/adapters/identity"
)

// fakeGitHub speaks enough of GitHub's OAuth2 and REST API for a sign-in: the authorize
// endpoint approves at once and redirects back with a code; the token endpoint checks the
// client secret and the PKCE verifier against the challenge it was given.
type fakeGitHub struct {
	*httptest.Server
	mu         sync.Mutex
	challenges map[string]string // code → S256 challenge
	exchanges  int
}

func newFakeGitHub(t *testing.T, email string) *fakeGitHub {
	f := &fakeGitHub{challenges: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != "gh-client" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "bad authorize request", http.StatusBadRequest)
			return
		}
		code := "code-" + q.Get("state")[:8]
		f.mu.Lock()
		f.challenges[code] = q.Get("code_challenge")
		f.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("/login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		f.mu.Lock()
		challenge := f.challenges[r.PostForm.Get("code")]
		delete(f.challenges, r.PostForm.Get("code"))
		f.exchanges++
		f.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if id != "gh-client" || secret != "gh-secret" || challenge == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"bad_verification_code"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"gh-access","token_type":"bearer","scope":"read:user,user:email"}`))
	})
	mux.HandleFunc("/user", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer gh-access" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": 4242, "login": "octo", "name": "Octo Cat", "email": nil})
	})
	mux.HandleFunc("/user/emails", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer gh-access" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode([]map[string]any{
			{"email": "old@example.com", "primary": false, "verified": false},
			{"email": email, "primary": true, "verified": true},
		})
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func TestOAuthSignInOverHTTP(t *testing.T) {
	t.Parallel()
	gh := newFakeGitHub(t, "octo@example.com")
	s := newStack(t, map[string]identity.OAuthProvider{"github": {
		ClientID: "gh-client", ClientSecret: "gh-secret",
		AuthURL: gh.URL + "/login/oauth/authorize", TokenURL: gh.URL + "/login/oauth/access_token", UserInfoURL: gh.URL + "/user",
	}})
	// The sign-in page offers the configured providers only.
	if got := s.expect(s.call("GET", "/api/auth/providers", "", nil), 200, "").body["providers"].([]any); len(got) != 1 || got[0] != "github" {
		t.Errorf("providers = %v, want [github]", got)
	}
	jar, _ := cookiejar.New(nil)
	var landed, callback string
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, "/api/auth/oauth/github/callback") {
			callback = req.URL.String()
		}
		if strings.HasPrefix(req.URL.String(), s.url) && !strings.HasPrefix(req.URL.Path, "/api/") {
			landed = req.URL.String()
			return http.ErrUseLastResponse // the web app itself is not part of this test
		}
		return nil
	}}
	resp, err := browser.Get(s.url + "/api/auth/oauth/github/start?redirect=/dashboard")
	must(t, err)
	resp.Body.Close()
	if landed != s.url+"/dashboard" {
		t.Fatalf("sign-in ended at %q (status %d), want the app's /dashboard", landed, resp.StatusCode)
	}
	me := s.expect(s.callWith(browser, "GET", "/api/auth/me", "", nil), 200, "")
	if me.str("user", "email") != "octo@example.com" || me.str("user", "name") != "Octo Cat" {
		t.Fatalf("me = %s", me.raw)
	}

	// A callback with a state this server never issued is refused, and so is a replay: the
	// browser goes back to the sign-in page with the reason, and no session is made.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	refused := func(url, code string) {
		t.Helper()
		resp, err := noRedirect.Get(url)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != s.url+"/login?error="+code || strings.Contains(resp.Header.Get("Set-Cookie"), "ilm_session=") {
			t.Errorf("GET %s: %d to %q (cookie %q), want 302 to /login?error=%s", url, resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Set-Cookie"), code)
		}
	}
	refused(s.url+"/api/auth/oauth/github/callback?state=forged&code=x", "invalid_oauth_state")
	if callback == "" {
		t.Fatal("the provider never redirected to the callback")
	}
	// The callback link opened in another browser (login CSRF: an attacker's own sign-in sent
	// to a victim) is refused, as is replaying it in the browser that used it.
	refused(callback, "invalid_oauth_state")
	replay, err := browser.Get(callback)
	must(t, err)
	replay.Body.Close()
	if landed != s.url+"/login?error=invalid_oauth_state" {
		t.Errorf("replaying the callback in the same browser ended at %q", landed)
	}
	if gh.exchanges != 1 {
		t.Errorf("the provider saw %d code exchanges, want 1 (a replay must fail before exchanging)", gh.exchanges)
	}
	s.expect(s.call("GET", "/api/auth/oauth/google/start", "", nil), 404, "unknown_provider")
	refused(s.url+"/api/auth/oauth/github/callback?error=access_denied", "oauth_denied")
}
