package projections

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// sliceLog is a log held in memory, counting its reads.
type sliceLog struct {
	events []domain.RecordedEvent
	reads  atomic.Int64
}

func (l *sliceLog) ReadLog(_ context.Context, after domain.LogPosition, limit int) ([]domain.RecordedEvent, error) {
	l.reads.Add(1)
	var out []domain.RecordedEvent
	for _, e := range l.events {
		if e.LogPosition().After(after) && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (l *sliceLog) CountAfter(context.Context, domain.LogPosition, int64) (int64, error) {
	return 0, nil
}
func (l *sliceLog) Head(context.Context) (int64, error) { return 0, nil }

func TestSharedLogAnswersLikeTheLogWithFewerReads(t *testing.T) {
	log := &sliceLog{}
	for i := range 100 {
		log.events = append(log.events, domain.RecordedEvent{ID: uuid.New(), TxID: uint64(10 + i/7), Position: int64(1000 - i)})
	}
	shared := newSharedLog(log, 4)
	ctx := context.Background()
	// Every starting point and limit gives what the log itself gives.
	for start := -1; start < len(log.events); start++ {
		after := domain.Start
		if start >= 0 {
			after = log.events[start].LogPosition()
		}
		for _, limit := range []int{1, 5, 30, 200} {
			want, _ := log.ReadLog(ctx, after, limit)
			got, err := shared.ReadLog(ctx, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) > len(want) {
				t.Fatalf("after %v limit %d: %d events, the log has %d", after, limit, len(got), len(want))
			}
			for i := range got {
				if got[i].ID != want[i].ID {
					t.Fatalf("after %v limit %d: event %d differs", after, limit, i)
				}
			}
		}
	}
	// Runners at the same place read the log once between them.
	log.reads.Store(0)
	shared = newSharedLog(log, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, _ := shared.ReadLog(ctx, domain.Start, 50)
			if len(got) != 50 {
				t.Errorf("got %d events", len(got))
			}
		})
	}
	wg.Wait()
	if _, err := shared.ReadLog(ctx, log.events[10].LogPosition(), 50); err != nil {
		t.Fatal(err)
	}
	if n := log.reads.Load(); n > 4 || n < 1 {
		t.Fatalf("%d reads of the log for 5 runners", n)
	}
	if shared.hits == 0 {
		t.Fatal("a runner inside a cached batch was not served from it")
	}
}
