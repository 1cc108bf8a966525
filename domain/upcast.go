package domain

import (
	"encoding/json"
	"fmt"
	"sync"
)

// Upcaster turns a payload of one schema version of an event type into the next version.
// It must be a pure function of the payload: the log is read many times, and every read must
// see the same event.
type Upcaster func(data json.RawMessage) (json.RawMessage, error)

// Upcasters holds the upcasters of every event type, each registered for the version it
// reads. Register them when the program starts; Upcast is safe for concurrent use. The zero
// value is an empty registry.
type Upcasters struct {
	mu    sync.RWMutex
	steps map[upcastStep]Upcaster
}

type upcastStep struct {
	eventType string
	from      int
}

// NewUpcasters returns an empty registry.
func NewUpcasters() *Upcasters {
	return &Upcasters{}
}

// Register adds fn as the upcaster from version from of eventType to version from+1. It
// panics when fn is nil, from is below 1, or the step is registered already, because each is a
// mistake in the program's setup, not in its input.
func (u *Upcasters) Register(eventType string, from int, fn Upcaster) {
	if fn == nil {
		panic("domain: nil upcaster for " + eventType)
	}
	if from < 1 {
		panic(fmt.Sprintf("domain: upcaster for %s from version %d; versions start at 1", eventType, from))
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	step := upcastStep{eventType, from}
	if _, dup := u.steps[step]; dup {
		panic(fmt.Sprintf("domain: upcaster for %s from version %d registered twice", eventType, from))
	}
	if u.steps == nil {
		u.steps = make(map[upcastStep]Upcaster)
	}
	u.steps[step] = fn
}

// Upcast applies the upcasters of eventType from version on, one version at a time, until
// none is registered for the version reached, and returns the payload and that version. A
// payload with nothing to do comes back as it is. On error it returns the original version and
// an error naming the failing step. Its signature is the one the event store takes for
// upcasting on read, so the method value can be passed to it.
func (u *Upcasters) Upcast(eventType string, version int, data json.RawMessage) (json.RawMessage, int, error) {
	if u == nil {
		return data, version, nil
	}
	u.mu.RLock()
	defer u.mu.RUnlock()
	from := version
	for {
		fn, ok := u.steps[upcastStep{eventType, version}]
		if !ok {
			return data, version, nil
		}
		next, err := fn(data)
		if err != nil {
			return nil, from, fmt.Errorf("upcast %s from v%d to v%d: %w", eventType, version, version+1, err)
		}
		data = next
		version++
	}
}

func (u *Upcasters) has(eventType string, from int) bool {
	u.mu.RLock()
	defer u.mu.RUnlock()
	_, ok := u.steps[upcastStep{eventType, from}]
	return ok
}

// DefaultUpcasters returns a new registry with every upcaster of the product. Every type is
// still at version 1, so it is empty.
//
// To change the shape of an event type: give its struct the new shape, raise its version in
// the catalogue and in its SchemaVersion method, and register here a function that turns the
// previous version's JSON into the new one, for example
//
//	u.Register(TypeKeystroke, 1, keystrokeV1ToV2)
//
// where keystrokeV1ToV2 (in this file) decodes the v1 payload into a struct that describes
// v1, kept for that purpose, and encodes the v2 one. Never change or remove a registered
// upcaster: stored events of every old version remain in the log. A test checks that every
// type above version 1 has a full chain from version 1.
func DefaultUpcasters() *Upcasters {
	u := NewUpcasters()
	return u
}
