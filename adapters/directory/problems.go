package directory

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// OrganizationProblem is a problem an organization wrote, stored as the JSON of its definition.
type OrganizationProblem struct {
	ID             string          `json:"id"`
	OrganizationID uuid.UUID       `json:"organizationId"`
	Problem        json.RawMessage `json:"problem"`
}

// CreateProblem stores an organization's problem.
func (s *Store) CreateProblem(ctx context.Context, p OrganizationProblem, createdBy uuid.UUID) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO organization_problems (id, organization_id, problem, created_by) VALUES ($1, $2, $3, $4)`,
		p.ID, p.OrganizationID, p.Problem, createdBy)
	return err
}

// ProblemsOf lists the problems of the organizations userID belongs to, oldest first.
func (s *Store) ProblemsOf(ctx context.Context, userID uuid.UUID) ([]OrganizationProblem, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.organization_id, p.problem FROM organization_problems p
		JOIN organization_members m ON m.organization_id = p.organization_id
		WHERE m.user_id = $1 ORDER BY p.created_at, p.id`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (OrganizationProblem, error) {
		var p OrganizationProblem
		err := row.Scan(&p.ID, &p.OrganizationID, &p.Problem)
		return p, err
	})
}

// Problem returns one of an organization's problems by id (ErrNotFound when it has none).
func (s *Store) Problem(ctx context.Context, organization uuid.UUID, id string) (json.RawMessage, error) {
	var raw json.RawMessage
	err := s.pool.QueryRow(ctx, `SELECT problem FROM organization_problems WHERE organization_id = $1 AND id = $2`, organization, id).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return raw, err
}
