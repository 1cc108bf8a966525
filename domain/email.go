package domain

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// NormalizeEmail trims and lower-cases an email address and checks that it is one plain
// address (local@domain, no display name, no list) with a dotted domain name. It returns the
// normalised address or a *ValidationError for field "email". Lower-casing the local part is
// not what RFC 5321 promises, but no provider our users have treats case as significant, and
// it makes Alice@x and alice@x one account.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	invalid := &ValidationError{Field: "email", Message: "email must be a valid address such as name@example.com"}
	if e == "" {
		return "", &ValidationError{Field: "email", Message: "email is required"}
	}
	if len(e) > 254 || !utf8.ValidString(e) {
		return "", invalid
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Name != "" || addr.Address != e {
		return "", invalid
	}
	at := strings.LastIndexByte(e, '@')
	local, domain := e[:at], e[at+1:]
	if local == "" || len(local) > 64 || !validDomain(domain) {
		return "", invalid
	}
	return e, nil
}

// validDomain accepts dotted host names (labels of letters, digits, hyphens or non-ASCII
// characters, not starting or ending with a hyphen) and refuses address literals and single
// labels, which no hiring team's mail uses.
func validDomain(domain string) bool {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if r < utf8.RuneSelf && r != '-' && !('a' <= r && r <= 'z') && !('0' <= r && r <= '9') {
				return false
			}
		}
	}
	return true
}
