package projections

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/interviewlm/interviewlm/domain"
)

// sharedLog lets the runners of one engine share their reads of the log. At the head of the
// log every runner wants the same events at the same moment; without sharing, N projections
// read each event N times. Reads from the same position run once (singleflight), and the
// last few batches read stay in memory, so a runner a little behind another is served from
// there. A batch is the exact continuation of the log from the position it was read after,
// so any suffix of it is a correct answer for a runner standing inside it.
type sharedLog struct {
	Log
	group singleflight.Group

	mu      sync.Mutex
	recent  []cachedBatch // newest last
	keep    int
	hits    int64
	queries int64
}

type cachedBatch struct {
	after  domain.LogPosition
	events []domain.RecordedEvent
	index  map[domain.LogPosition]int
}

func newSharedLog(log Log, keep int) *sharedLog { return &sharedLog{Log: log, keep: keep} }

// ReadLog implements Log.
func (s *sharedLog) ReadLog(ctx context.Context, after domain.LogPosition, limit int) ([]domain.RecordedEvent, error) {
	if events, ok := s.fromRecent(after, limit); ok {
		return events, nil
	}
	key := fmt.Sprintf("%d/%d/%d", after.TxID, after.Position, limit)
	v, err, _ := s.group.Do(key, func() (any, error) {
		events, err := s.Log.ReadLog(ctx, after, limit)
		if err == nil && len(events) > 0 {
			s.remember(after, events)
		}
		return events, err
	})
	if err != nil {
		return nil, err
	}
	return v.([]domain.RecordedEvent), nil
}

func (s *sharedLog) fromRecent(after domain.LogPosition, limit int) ([]domain.RecordedEvent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.recent) - 1; i >= 0; i-- {
		b := s.recent[i]
		start := -1
		if b.after == after {
			start = 0
		} else if j, ok := b.index[after]; ok && j+1 < len(b.events) {
			start = j + 1
		}
		if start >= 0 {
			s.hits++
			rest := b.events[start:]
			return rest[:min(len(rest), limit)], true
		}
	}
	return nil, false
}

func (s *sharedLog) remember(after domain.LogPosition, events []domain.RecordedEvent) {
	index := make(map[domain.LogPosition]int, len(events))
	for i, e := range events {
		index[e.LogPosition()] = i
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries++
	s.recent = append(s.recent, cachedBatch{after: after, events: events, index: index})
	if len(s.recent) > s.keep {
		s.recent = s.recent[len(s.recent)-s.keep:]
	}
}
