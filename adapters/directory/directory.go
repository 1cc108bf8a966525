// Package directory stores who is who: organizations and their members, assessments,
// candidates with their invites, and the index of interviews with their candidate tokens.
// These are ordinary tables; the one write that also starts an event stream (an interview)
// appends its first event in the same transaction.
package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewlm/interviewlm/domain"
)

// Errors of the directory. The HTTP layer maps each to a status once.
var (
	ErrNotFound        = domain.ErrNotFound
	ErrSlugTaken       = errors.New("an organization with this slug already exists")
	ErrAlreadyMember   = errors.New("this user is already a member of the organization")
	ErrCandidateExists = errors.New("this email was already invited to this assessment")
	ErrLastOwner       = errors.New("an organization keeps at least one owner")
)

// Store reads and writes the directory.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a Store on pool.
func New(pool *pgxpool.Pool) (*Store, error) {
	if pool == nil {
		return nil, errors.New("directory: nil pool")
	}
	return &Store{pool: pool}, nil
}

// Organization is a hiring team.
type Organization struct {
	ID        uuid.UUID   `json:"id"`
	Name      string      `json:"name"`
	Slug      string      `json:"slug"`
	Plan      domain.Plan `json:"plan"`
	CreatedAt time.Time   `json:"createdAt"`
}

// Membership is an organization seen by one of its members.
type Membership struct {
	Organization
	Role domain.Role `json:"role"`
}

// Member is a user in an organization.
type Member struct {
	UserID   uuid.UUID   `json:"userId"`
	Name     string      `json:"name"`
	Email    string      `json:"email"`
	Role     domain.Role `json:"role"`
	JoinedAt time.Time   `json:"joinedAt"`
}

func isUnique(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

// CreateOrganization creates org with owner as its OWNER.
func (s *Store) CreateOrganization(ctx context.Context, org Organization, owner uuid.UUID) (Organization, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO organizations (id, name, slug, plan, created_by) VALUES ($1, $2, $3, $4, $5)
			RETURNING created_at`, org.ID, org.Name, org.Slug, org.Plan, owner).Scan(&org.CreatedAt)
		if isUnique(err, "organizations_slug_key") {
			return ErrSlugTaken
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO organization_members (organization_id, user_id, role, added_by) VALUES ($1, $2, 'OWNER', $2)`, org.ID, owner)
		return err
	})
	return org, err
}

// Memberships returns the organizations userID belongs to, with their role.
func (s *Store) Memberships(ctx context.Context, userID uuid.UUID) ([]Membership, error) {
	rows, err := s.pool.Query(ctx, `SELECT o.id, o.name, o.slug, o.plan, o.created_at, m.role
		FROM organization_members m JOIN organizations o ON o.id = m.organization_id
		WHERE m.user_id = $1 ORDER BY o.name, o.id`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Membership, error) {
		var m Membership
		err := row.Scan(&m.ID, &m.Name, &m.Slug, &m.Plan, &m.CreatedAt, &m.Role)
		return m, err
	})
}

// Role returns userID's role in orgID, ErrNotFound when they are not a member (or the
// organization does not exist: the two must look the same from outside).
func (s *Store) Role(ctx context.Context, orgID, userID uuid.UUID) (domain.Role, error) {
	var role domain.Role
	err := s.pool.QueryRow(ctx, `SELECT role FROM organization_members WHERE organization_id = $1 AND user_id = $2`, orgID, userID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	return role, err
}

// Members lists an organization's members.
func (s *Store) Members(ctx context.Context, orgID uuid.UUID) ([]Member, error) {
	rows, err := s.pool.Query(ctx, `SELECT u.id, u.name, u.email, m.role, m.joined_at
		FROM organization_members m JOIN users u ON u.id = m.user_id
		WHERE m.organization_id = $1 ORDER BY m.joined_at, u.id`, orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Member, error) {
		var m Member
		err := row.Scan(&m.UserID, &m.Name, &m.Email, &m.Role, &m.JoinedAt)
		return m, err
	})
}

// AddMember adds the user with email to orgID with role. ErrNotFound when no account has
// that email: people sign up first, then an admin adds them.
func (s *Store) AddMember(ctx context.Context, orgID uuid.UUID, email string, role domain.Role, addedBy uuid.UUID) (Member, error) {
	m := Member{Role: role}
	err := s.pool.QueryRow(ctx, `SELECT id, name, email FROM users WHERE email = $1`, email).Scan(&m.UserID, &m.Name, &m.Email)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, fmt.Errorf("%w: no account uses %s; ask them to sign up first", ErrNotFound, email)
	}
	if err != nil {
		return m, err
	}
	err = s.pool.QueryRow(ctx, `INSERT INTO organization_members (organization_id, user_id, role, added_by)
		VALUES ($1, $2, $3, $4) RETURNING joined_at`, orgID, m.UserID, role, addedBy).Scan(&m.JoinedAt)
	if isUnique(err, "") {
		return m, ErrAlreadyMember
	}
	return m, err
}

const assessmentColumns = `id, organization_id, title, description, seniority, duration_minutes, language,
	question_count, enable_coding, enable_terminal, enable_ai, show_results_to_candidate, problem_ids,
	status, created_by, created_at, updated_at, scoring`

func scanAssessment(row pgx.Row) (domain.Assessment, error) {
	var a domain.Assessment
	err := row.Scan(&a.ID, &a.OrganizationID, &a.Title, &a.Description, &a.Seniority, &a.DurationMinutes,
		&a.Language, &a.QuestionCount, &a.EnableCoding, &a.EnableTerminal, &a.EnableAI, &a.ShowResultsToCandidate,
		&a.ProblemIDs, &a.Status, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt, &a.Scoring)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

// CreateAssessment stores a validated assessment.
func (s *Store) CreateAssessment(ctx context.Context, a domain.Assessment) (domain.Assessment, error) {
	return scanAssessment(s.pool.QueryRow(ctx, `INSERT INTO assessments (id, organization_id, title, description,
		seniority, duration_minutes, language, question_count, enable_coding, enable_terminal, enable_ai,
		show_results_to_candidate, problem_ids, status, created_by, scoring)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING `+assessmentColumns,
		a.ID, a.OrganizationID, a.Title, a.Description, a.Seniority, a.DurationMinutes, a.Language, a.QuestionCount,
		a.EnableCoding, a.EnableTerminal, a.EnableAI, a.ShowResultsToCandidate, a.ProblemIDs, a.Status, a.CreatedBy, a.Scoring))
}

// Assessment returns one assessment.
func (s *Store) Assessment(ctx context.Context, id uuid.UUID) (domain.Assessment, error) {
	return scanAssessment(s.pool.QueryRow(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE id = $1`, id))
}

// Assessments lists an organization's assessments, newest first.
func (s *Store) Assessments(ctx context.Context, orgID uuid.UUID) ([]domain.Assessment, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE organization_id = $1 ORDER BY created_at DESC, id`, orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Assessment, error) { return scanAssessment(row) })
}

// UpdateAssessment loads the assessment under a row lock, lets update change it (knowing
// whether candidates were invited), and stores the result: the decision stays in the domain,
// the transaction here.
func (s *Store) UpdateAssessment(ctx context.Context, id uuid.UUID, update func(a *domain.Assessment, hasCandidates bool) error) (domain.Assessment, error) {
	var out domain.Assessment
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		a, err := scanAssessment(tx.QueryRow(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		var hasCandidates bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM candidates WHERE assessment_id = $1)`, id).Scan(&hasCandidates); err != nil {
			return err
		}
		if err := update(&a, hasCandidates); err != nil {
			return err
		}
		out, err = scanAssessment(tx.QueryRow(ctx, `UPDATE assessments SET title = $2, description = $3, seniority = $4,
			duration_minutes = $5, language = $6, question_count = $7, enable_coding = $8, enable_terminal = $9,
			enable_ai = $10, show_results_to_candidate = $11, problem_ids = $12, status = $13, scoring = $14, updated_at = now()
			WHERE id = $1 RETURNING `+assessmentColumns,
			a.ID, a.Title, a.Description, a.Seniority, a.DurationMinutes, a.Language, a.QuestionCount, a.EnableCoding,
			a.EnableTerminal, a.EnableAI, a.ShowResultsToCandidate, a.ProblemIDs, a.Status, a.Scoring))
		return err
	})
	return out, err
}

// FirstOwner returns the organization's earliest owner, ErrNotFound when it has none (or does
// not exist): the author of rows the service writes on the organization's behalf.
func (s *Store) FirstOwner(ctx context.Context, orgID uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := s.pool.QueryRow(ctx, `SELECT user_id FROM organization_members WHERE organization_id = $1 AND role = $2
		ORDER BY joined_at, user_id LIMIT 1`, orgID, domain.RoleOwner).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return id, ErrNotFound
	}
	return id, err
}

// SubmittedInterviews returns the ids of every submitted interview, oldest first.
func (s *Store) SubmittedInterviews(ctx context.Context) ([]uuid.UUID, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM interviews WHERE submitted_at IS NOT NULL ORDER BY submitted_at, id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}
