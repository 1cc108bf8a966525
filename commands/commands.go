// Package commands holds the decisions that write events: one file per command, each with a
// handler that loads what it needs, lets the domain decide, and appends. Commands depend on
// the small interfaces declared here; cmd/ wires the adapters that implement them.
package commands

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// EventAppender appends events to a stream (adapters/eventstore.Store).
type EventAppender interface {
	AppendEvents(ctx context.Context, stream uuid.UUID, expected int64, events ...domain.NewEvent) (domain.LogPosition, error)
}

// TokenIssuer makes a new random credential, returning it and the hash that is stored.
type TokenIssuer func() (plain string, hash []byte)

// TokenHasher hashes a credential presented by a client, to look it up.
type TokenHasher func(plain string) []byte

// Clock tells the time; tests move it.
type Clock func() time.Time
