// Package projections turns the event log into read models. Each projection is a named
// consumer of the log with its own checkpoint; the engine applies events to it in batches and
// advances the checkpoint in the same transaction as the read-model writes.
package projections

import (
	"context"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/domain"
)

// Projection is one read model.
type Projection interface {
	// Name is stable and unique; it names the checkpoint and the leadership lock.
	Name() string
	// Version changes whenever the read model's tables or its handling of events change; a
	// projection whose stored version differs is rebuilt from the start of the log.
	Version() int
	// Tables lists the tables the projection owns.
	Tables() []Table
	// Apply folds events, in log order, into the read model through tx. Tables says under which
	// name each table lives right now (a rebuild writes to fresh copies).
	Apply(ctx context.Context, tx pgx.Tx, tables Tables, events []domain.RecordedEvent) error
}

// Table is a read-model table: its name as readers know it and how to create it under any name.
type Table struct {
	Name string
	// Create returns the statements that create the table (and its indexes) named name.
	// Index names must start with name so that they follow the table when it is swapped in.
	Create func(name string) string
}

// Tables maps a table's name to the name it currently has for the writer.
type Tables map[string]string

// Of returns the name to write table under, quoted for SQL.
func (t Tables) Of(table string) string {
	name, ok := t[table]
	if !ok {
		panic(fmt.Sprintf("projections: table %q is not declared by the projection", table))
	}
	return pgx.Identifier{name}.Sanitize()
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

func validate(p Projection) error {
	if !validName.MatchString(p.Name()) {
		return fmt.Errorf("projections: invalid name %q", p.Name())
	}
	if p.Version() <= 0 {
		return fmt.Errorf("projections: %s: version must be positive", p.Name())
	}
	for _, t := range p.Tables() {
		if !validName.MatchString(t.Name) || t.Create == nil {
			return fmt.Errorf("projections: %s: invalid table %q", p.Name(), t.Name)
		}
	}
	return nil
}
