package domain

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Plan is an organization's subscription.
type Plan string

const (
	PlanFree       Plan = "FREE"
	PlanStartup    Plan = "STARTUP"
	PlanGrowth     Plan = "GROWTH"
	PlanEnterprise Plan = "ENTERPRISE"
)

// Valid reports whether p is a plan.
func (p Plan) Valid() bool {
	return p == PlanFree || p == PlanStartup || p == PlanGrowth || p == PlanEnterprise
}

// Role is what a member may do in an organization.
type Role string

const (
	RoleOwner  Role = "OWNER"
	RoleAdmin  Role = "ADMIN"
	RoleMember Role = "MEMBER"
)

// Valid reports whether r is a role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleAdmin || r == RoleMember }

// CanManageMembers reports whether the role may add members and change their roles.
func (r Role) CanManageMembers() bool { return r == RoleOwner || r == RoleAdmin }

// CanManageAssessments reports whether the role may create and change assessments and invite
// candidates. Every member of a hiring team does.
func (r Role) CanManageAssessments() bool { return r.Valid() }

// ErrForbiddenRole means the caller's role does not allow the action.
var ErrForbiddenRole = errors.New("your role in this organization does not allow this")

// CanGrant reports whether a member with role r may give another member the role target: only
// an owner makes owners.
func (r Role) CanGrant(target Role) bool {
	if !r.CanManageMembers() || !target.Valid() {
		return false
	}
	return target != RoleOwner || r == RoleOwner
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// NewOrganizationName validates an organization's name and returns it trimmed.
func NewOrganizationName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 120 {
		return "", &ValidationError{Field: "name", Message: "must be 1 to 120 characters"}
	}
	return name, nil
}

// NewSlug validates a slug given by the user, or derives one from name when slug is empty.
func NewSlug(slug, name string) (string, error) {
	if slug == "" {
		return Slugify(name), nil
	}
	if !slugPattern.MatchString(slug) {
		return "", &ValidationError{Field: "slug", Message: "must be 1 to 63 lower-case letters, digits or dashes, not starting or ending with a dash"}
	}
	return slug, nil
}

// Slugify turns a name into a slug: lower-case ASCII letters and digits joined by dashes.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		return "org"
	}
	return strings.Trim(b.String(), "-")
}
