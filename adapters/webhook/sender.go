package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Headers sent with every delivery besides SignatureHeader.
const (
	EventHeader    = "X-InterviewLM-Event"
	DeliveryHeader = "X-InterviewLM-Delivery"
	UserAgent      = "InterviewLM-Webhooks/1.0"
)

// Limits of the Sender.
const (
	DefaultTimeout = 10 * time.Second
	// MaxResponseBytes is how much of a receiver's answer is read. Only a snippet is kept for
	// the delivery log; the cap stops a hostile receiver from streaming to us forever.
	MaxResponseBytes = 4 << 10
	// MaxURLLength bounds a webhook URL.
	MaxURLLength = 2048
	// errSnippetBytes is how much of a failed response's body goes into the delivery log.
	errSnippetBytes = 256
)

// ErrInvalidURL wraps every complaint of ValidateURL, so the API can answer 400 for all of them.
var ErrInvalidURL = errors.New("invalid webhook URL")

// ErrForbiddenAddress is matched (errors.Is) by the error of a connection the SSRF guard
// refused.
var ErrForbiddenAddress = errors.New("webhook: address not allowed")

// SenderOptions configure a Sender. Zero values take the defaults.
type SenderOptions struct {
	// AllowPrivate turns off the SSRF guard and allows plain http. Only tests and on-premises
	// installs, whose ATS lives on the internal network, should set it.
	AllowPrivate bool
	// Timeout bounds one attempt, connection to last byte; DefaultTimeout when zero.
	Timeout time.Duration
	// UserAgent defaults to UserAgent.
	UserAgent string
}

// Sender makes single delivery attempts. It is safe for concurrent use.
type Sender struct {
	client       *http.Client
	allowPrivate bool
	timeout      time.Duration
	userAgent    string
}

// NewSender returns a Sender with its own connection pool.
func NewSender(opts SenderOptions) *Sender {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.UserAgent == "" {
		opts.UserAgent = UserAgent
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		// Checked on the address actually dialed, after DNS resolution, so a name that
		// resolves to a public address at save time and to 127.0.0.1 later is still refused.
		dialer.Control = guardControl
	}
	transport := &http.Transport{
		// No proxy: through one, the guard would see the proxy's address and not the
		// receiver's, and the proxy would reach whatever the URL names.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    5 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &Sender{
		client: &http.Client{
			Transport: transport,
			Timeout:   opts.Timeout,
			// A redirect is reported as a failure rather than followed: following it would
			// send the signed event to a URL the organization never configured, and would let
			// a public receiver bounce us to an internal address.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		allowPrivate: opts.AllowPrivate,
		timeout:      opts.Timeout,
		userAgent:    opts.UserAgent,
	}
}

// Message is one attempt to deliver.
type Message struct {
	URL        string
	Secret     []byte
	DeliveryID uuid.UUID
	Event      string
	Body       []byte
	// Timestamp is what the signature is made at. Each attempt is signed afresh, so a retry
	// hours later still passes the receiver's tolerance.
	Timestamp time.Time
}

// Result is the outcome of one attempt.
type Result struct {
	// StatusCode is 0 when no response arrived.
	StatusCode int
	Duration   time.Duration
	// Err is empty on success, else why the attempt failed, worded for the organization's
	// delivery log.
	Err string
	// Retryable says whether trying again later may succeed.
	Retryable bool
}

// OK reports whether the receiver accepted the delivery.
func (r Result) OK() bool { return r.Err == "" && r.StatusCode >= 200 && r.StatusCode < 300 }

// Send posts m once: 2xx is success; 408, 425, 429, 5xx and network errors are worth retrying;
// other 4xx, redirects and refused addresses are not.
func (s *Sender) Send(ctx context.Context, m Message) Result {
	start := time.Now()
	res := s.send(ctx, m)
	res.Duration = time.Since(start)
	return res
}

func (s *Sender) send(ctx context.Context, m Message) Result {
	// Checked again at send time because the row may predate a stricter rule, or have been
	// saved by an install that allowed private addresses.
	if err := ValidateURL(m.URL, s.allowPrivate); err != nil {
		return Result{Err: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return Result{Err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set(EventHeader, m.Event)
	req.Header.Set(DeliveryHeader, m.DeliveryID.String())
	req.Header.Set(SignatureHeader, Sign(m.Secret, m.Timestamp, m.Body))

	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Err: describe(err), Retryable: !errors.Is(err, ErrForbiddenAddress)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes))

	code := resp.StatusCode
	res := Result{StatusCode: code}
	switch {
	case code >= 200 && code < 300:
		return res
	case code >= 300 && code < 400:
		res.Err = fmt.Sprintf("HTTP %d: redirects are not followed", code)
		if loc := resp.Header.Get("Location"); loc != "" {
			res.Err += " (to " + snippet([]byte(loc)) + ")"
		}
		return res
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code == http.StatusTooManyRequests, code >= 500:
		res.Retryable = true
	}
	res.Err = "HTTP " + strconv.Itoa(code)
	if s := snippet(body); s != "" {
		res.Err += ": " + s
	}
	return res
}

// describe drops the url.Error wrapper, whose text repeats the URL (and any token in it) in
// every line of the delivery log.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out: " + err.Error()
	}
	return err.Error()
}

// snippet makes a receiver's bytes safe to store in a text column and short enough to show.
func snippet(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	s = strings.TrimSpace(s)
	if len(s) > errSnippetBytes {
		cut := errSnippetBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// ValidateURL checks a webhook URL before it is saved: https (or http when allowPrivate), no
// user info, a host, at most MaxURLLength bytes. Without allowPrivate it also refuses hosts
// that are obviously internal (localhost, private IP literals) so the user hears about it at
// once; names that resolve to such addresses are caught when dialing.
func ValidateURL(raw string, allowPrivate bool) error {
	if raw == "" {
		return fmt.Errorf("%w: empty", ErrInvalidURL)
	}
	if len(raw) > MaxURLLength {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidURL, MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidURL, errors.Unwrap(err))
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowPrivate:
	case u.Scheme == "http":
		return fmt.Errorf("%w: https is required", ErrInvalidURL)
	default:
		return fmt.Errorf("%w: scheme must be https, got %q", ErrInvalidURL, u.Scheme)
	}
	if u.Opaque != "" {
		return fmt.Errorf("%w: not an absolute URL", ErrInvalidURL)
	}
	if u.User != nil {
		// Credentials in the URL would be stored and shown in clear; the signature is what
		// authenticates us to the receiver.
		return fmt.Errorf("%w: user info is not allowed", ErrInvalidURL)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: host is required", ErrInvalidURL)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: bad port %q", ErrInvalidURL, p)
		}
	}
	if allowPrivate {
		return nil
	}
	lower := strings.ToLower(strings.TrimSuffix(host, "."))
	if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		return fmt.Errorf("%w: %s is a loopback host", ErrInvalidURL, host)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if reason := forbiddenReason(ip); reason != "" {
			return fmt.Errorf("%w: %s is a %s address", ErrInvalidURL, host, reason)
		}
	}
	return nil
}

// addressError is what the SSRF guard returns; its text reaches the delivery log.
type addressError struct {
	addr   netip.Addr
	reason string
}

func (e *addressError) Error() string {
	return fmt.Sprintf("refusing to connect to %s: %s address (webhooks may only call public addresses)", e.addr, e.reason)
}

func (e *addressError) Is(target error) bool { return target == ErrForbiddenAddress }

// guardControl runs after DNS resolution, just before connect(2), with the literal IP.
func guardControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: unexpected dial address %q: %w", address, err)
	}
	if reason := forbiddenReason(ap.Addr()); reason != "" {
		return &addressError{addr: ap.Addr().Unmap(), reason: reason}
	}
	return nil
}

// Ranges not covered by netip's predicates that still never hold a customer's ATS.
var reservedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT, used for cloud-internal services
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, and the broadcast address
}

// nat64 is the well-known NAT64 prefix; the IPv4 address it embeds is what gets reached.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// forbiddenReason names why ip may not be called, or returns "" if it may.
func forbiddenReason(ip netip.Addr) string {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, p := range reservedPrefixes {
		if p.Contains(ip) {
			return "reserved"
		}
	}
	return ""
}
