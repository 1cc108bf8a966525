package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

func testMessage(url string) Message {
	return Message{URL: url, Secret: []byte("whsec_test"), DeliveryID: uuid.New(), Event: "evaluation.ready",
		Body: []byte(`{"ok":true}`), Timestamp: time.Now()}
}

func TestSenderClassifiesResponses(t *testing.T) {
	cases := []struct {
		code      int
		ok, retry bool
	}{
		{200, true, false}, {202, true, false}, {204, true, false},
		{400, false, false}, {401, false, false}, {404, false, false}, {410, false, false},
		{408, false, true}, {425, false, true}, {429, false, true},
		{500, false, true}, {502, false, true}, {503, false, true},
		{301, false, false}, {302, false, false}, {307, false, false},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte("reason from receiver\x00\xff"))
	}))
	defer srv.Close()
	s := NewSender(SenderOptions{AllowPrivate: true})
	for _, c := range cases {
		res := s.Send(context.Background(), testMessage(srv.URL+"/?code="+strconv.Itoa(c.code)))
		if res.OK() != c.ok || res.Retryable != c.retry || res.StatusCode != c.code {
			t.Errorf("HTTP %d: %+v, want ok=%v retryable=%v", c.code, res, c.ok, c.retry)
		}
		if !c.ok && !strings.HasPrefix(res.Err, "HTTP "+strconv.Itoa(c.code)) {
			t.Errorf("HTTP %d: Err = %q", c.code, res.Err)
		}
		if strings.ContainsRune(res.Err, 0) || !utf8.ValidString(res.Err) {
			t.Errorf("HTTP %d: Err not storable as text: %q", c.code, res.Err)
		}
		if res.Duration <= 0 {
			t.Errorf("HTTP %d: no duration", c.code)
		}
	}
}

func TestSenderDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/target", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/target", func(w http.ResponseWriter, r *http.Request) { followed.Add(1) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res := NewSender(SenderOptions{AllowPrivate: true}).Send(context.Background(), testMessage(srv.URL+"/hook"))
	if res.OK() || res.Retryable || res.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(res.Err, "redirects are not followed") || !strings.Contains(res.Err, "/target") {
		t.Fatalf("Err = %q", res.Err)
	}
	if followed.Load() != 0 {
		t.Fatal("redirect was followed")
	}
}

func TestSenderRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	s := NewSender(SenderOptions{})

	// Refused before any connection: plain http, then a private IP literal, each saying why.
	for url, why := range map[string]string{
		srv.URL: "https is required",
		strings.Replace(srv.URL, "http:", "https:", 1): "127.0.0.1 is a loopback address",
	} {
		res := s.Send(context.Background(), testMessage(url))
		if res.OK() || res.Retryable || res.StatusCode != 0 || !strings.Contains(res.Err, why) {
			t.Errorf("%s: %+v, want an error saying %q", url, res, why)
		}
	}

	// The dial-time guard, which sees the address a name resolves to: "localhost" and an IP
	// literal passed straight to the dialer, as a DNS name rebound to 127.0.0.1 would be.
	dial := s.client.Transport.(*http.Transport).DialContext
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	for _, addr := range []string{"localhost:" + strconv.Itoa(port), "127.0.0.1:" + strconv.Itoa(port)} {
		conn, err := dial(context.Background(), "tcp", addr)
		if err == nil {
			conn.Close()
			t.Fatalf("dial %s: connected", addr)
		}
		if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "loopback address") {
			t.Errorf("dial %s: %v", addr, err)
		}
	}
	// The same through a full Send, with the URL check out of the way.
	s.allowPrivate = true
	res := s.Send(context.Background(), testMessage(srv.URL))
	if res.OK() || res.Retryable || !strings.Contains(res.Err, "refusing to connect to 127.0.0.1: loopback address") {
		t.Errorf("guarded send: %+v", res)
	}
	if hits.Load() != 0 {
		t.Fatalf("receiver was reached %d times", hits.Load())
	}

	// AllowPrivate turns the guard off.
	if res := NewSender(SenderOptions{AllowPrivate: true}).Send(context.Background(), testMessage(srv.URL)); !res.OK() {
		t.Fatalf("AllowPrivate: %+v", res)
	}
}

func TestForbiddenReason(t *testing.T) {
	cases := map[string]string{
		"127.0.0.1":        "loopback",
		"::1":              "loopback",
		"::ffff:127.0.0.1": "loopback",
		"10.1.2.3":         "private",
		"172.16.0.1":       "private",
		"192.168.1.1":      "private",
		"fd00::1":          "private",
		"64:ff9b::a00:1":   "private", // NAT64 of 10.0.0.1
		"169.254.169.254":  "link-local",
		"fe80::1":          "link-local",
		"0.0.0.0":          "unspecified",
		"::":               "unspecified",
		"224.0.0.1":        "multicast",
		"ff02::1":          "multicast",
		"100.64.0.1":       "reserved",
		"255.255.255.255":  "reserved",
		"8.8.8.8":          "",
		"2606:4700::1111":  "",
		"64:ff9b::808:808": "",
	}
	for ip, want := range cases {
		if got := forbiddenReason(netip.MustParseAddr(ip)); got != want {
			t.Errorf("%s: %q, want %q", ip, got, want)
		}
	}
}

func TestSenderTimeoutIsRetryable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	res := NewSender(SenderOptions{AllowPrivate: true, Timeout: 100 * time.Millisecond}).Send(context.Background(), testMessage(srv.URL))
	if res.OK() || !res.Retryable || res.StatusCode != 0 || !strings.Contains(res.Err, "timed out") {
		t.Fatalf("%+v", res)
	}
	if strings.Contains(res.Err, srv.URL) {
		t.Errorf("Err repeats the URL: %q", res.Err)
	}
}

func TestValidateURL(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", MaxURLLength)
	cases := []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://ats.example.com/hooks/interviewlm", false, true},
		{"https://ats.example.com:8443/h?tenant=1", false, true},
		{"HTTPS://ats.example.com/", false, true},
		{"https://93.184.216.34/hook", false, true},
		{"http://ats.example.com/hook", false, false},
		{"http://ats.example.com/hook", true, true},
		{"ftp://ats.example.com/hook", true, false},
		{"https://user:pass@ats.example.com/", false, false},
		{"https://user@ats.example.com/", true, false},
		{"https:///nohost", false, false},
		{"https://:443/", false, false},
		{"/relative/path", false, false},
		{"https:opaque", false, false},
		{"", false, false},
		{long, false, false},
		{"https://ats.example.com:99999/", false, false},
		{"https://exa mple.com/", false, false},
		{"https://localhost/hook", false, false},
		{"https://api.localhost./hook", false, false},
		{"https://127.0.0.1/hook", false, false},
		{"https://10.0.0.5/hook", false, false},
		{"https://[::1]/hook", false, false},
		{"https://169.254.169.254/latest/meta-data", false, false},
		{"http://localhost:8080/hook", true, true},
		{"http://10.0.0.5/hook", true, true},
	}
	for _, c := range cases {
		err := ValidateURL(c.url, c.allowPrivate)
		if (err == nil) != c.ok {
			t.Errorf("ValidateURL(%.60q, %v) = %v, want ok=%v", c.url, c.allowPrivate, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidURL) {
			t.Errorf("ValidateURL(%.60q): %v does not wrap ErrInvalidURL", c.url, err)
		}
	}
}
