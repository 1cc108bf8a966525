package httpapi_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// TestAFlakyClientLosesAndDoublesNothing plays a browser on a bad network: its edit batches go
// one after another but their answers are often lost, so it sends them again; its telemetry
// (cursor, focus, paste) goes in parallel, out of order, and is resent too. Every event must be
// stored exactly once, the duplicates counted, the client's timestamps kept, and the files
// must end exactly as the editor had them.
func TestAFlakyClientLosesAndDoublesNothing(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Flaky")
	_, invite := s.invite(tm, "Fred")
	interview, token := s.start(invite, 201)
	rng := rand.New(rand.NewPCG(7, 11))

	type event = map[string]any
	var (
		editor    domain.Files
		clock     = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		sent      sync.Map // id → client timestamp
		resent    atomic.Int64
		dupsSeen  atomic.Int64
		telemetry = make(chan []event, 256)
	)
	newEvent := func(typ string, data map[string]any) event {
		clock = clock.Add(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		id := uuid.NewString()
		sent.Store(id, clock)
		return event{"id": id, "type": typ, "timestamp": clock, "data": data}
	}
	post := func(batch []event) reply {
		return s.call("POST", "/api/interview/"+interview+"/events", token, map[string]any{"events": batch})
	}
	// sendUntilAccepted retries on transport trouble and on an edit that overtook another;
	// a lost answer is simulated by sending the very same batch again.
	sendUntilAccepted := func(batch []event, loseAnswer bool) {
		for attempt := 0; ; attempt++ {
			r := post(batch)
			if r.status == 201 {
				if r.body["duplicates"].(float64) > 0 {
					dupsSeen.Add(int64(r.body["duplicates"].(float64)))
				}
				if loseAnswer {
					resent.Add(int64(len(batch)))
					loseAnswer = false
					continue
				}
				return
			}
			if r.status != 409 || attempt > 200 {
				t.Errorf("batch refused: %d %s", r.status, r.raw)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	var senders sync.WaitGroup
	for range 4 {
		senders.Go(func() {
			for batch := range telemetry {
				time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond) // arrive out of order
				sendUntilAccepted(batch, rand.IntN(3) == 0)
			}
		})
	}

	texts := []string{"a", "é", "😀", "\r\n", "  ", "🧑‍💻", "x"}
	for range 80 {
		var edits []event
		for range 1 + rng.IntN(6) {
			file, _ := editor.Get("main.py")
			r := []rune(file.Content)
			var k *domain.Keystroke
			if len(r) > 0 && rng.IntN(3) == 0 {
				i := rng.IntN(len(r))
				k = &domain.Keystroke{FileID: "main.py", Changes: []domain.Change{{Offset: domain.UTF16Len(string(r[:i])), DeleteCount: domain.UTF16Len(string(r[i]))}}}
			} else {
				i := rng.IntN(len(r) + 1)
				k = &domain.Keystroke{FileID: "main.py", Changes: []domain.Change{{Offset: domain.UTF16Len(string(r[:i])), Text: texts[rng.IntN(len(texts))]}}}
			}
			must(t, editor.Apply(k))
			changes := make([]map[string]any, len(k.Changes))
			for i, c := range k.Changes {
				changes[i] = map[string]any{"offset": c.Offset, "deleteCount": c.DeleteCount, "text": c.Text}
			}
			edits = append(edits, newEvent("keystroke", map[string]any{"fileId": "main.py", "changes": changes}))
		}
		telemetry <- []event{
			newEvent("cursor", map[string]any{"fileId": "main.py", "line": 1 + rng.IntN(9), "column": 1 + rng.IntN(40)}),
			newEvent("focus_change", map[string]any{"focused": rng.IntN(2) == 0}),
		}
		sendUntilAccepted(edits, rng.IntN(4) == 0)
	}
	close(telemetry)
	senders.Wait()

	ctx := context.Background()
	var stored, distinct int
	must(t, s.db.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT id) FROM events WHERE stream_id = $1 AND type <> 'interview_started'`, interview).Scan(&stored, &distinct))
	want := 0
	sent.Range(func(any, any) bool { want++; return true })
	if stored != want || distinct != want {
		t.Fatalf("stored %d events (%d distinct), the client sent %d", stored, distinct, want)
	}
	if dupsSeen.Load() != resent.Load() {
		t.Errorf("the server reported %d duplicates, the client resent %d events", dupsSeen.Load(), resent.Load())
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT id::text, occurred_at FROM events WHERE stream_id = $1 AND type <> 'interview_started'`, interview)
	must(t, err)
	for rows.Next() {
		var id string
		var at time.Time
		must(t, rows.Scan(&id, &at))
		if ts, _ := sent.Load(id); !ts.(time.Time).Equal(at) {
			t.Fatalf("event %s kept time %v, the client said %v", id, at, ts)
		}
	}
	rows.Close()
	final, err := projections.StateAt(ctx, s.db.Pool, uuid.MustParse(interview), 0)
	must(t, err)
	file, _ := editor.Get("main.py")
	if got := final.Files.ByName()["main.py"]; got != file.Content {
		t.Fatalf("files ended as %q, the editor had %q", got, file.Content)
	}
}

func TestMalformedEventsNameTheirField(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Strict")
	_, invite := s.invite(tm, "Sam")
	interview, token := s.start(invite, 201)
	path := "/api/interview/" + interview + "/events"
	ok := map[string]any{"type": "idle_start"}
	cases := []struct {
		body        any
		status      int
		code, field string
	}{
		{map[string]any{"events": []any{ok, map[string]any{"id": "abc", "type": "idle_start"}}}, 422, "validation_failed", "events[1].id"},
		{map[string]any{"events": []any{map[string]any{"type": "idle_start", "timestamp": "yesterday"}}}, 422, "validation_failed", "events[0].timestamp"},
		{map[string]any{"events": []any{ok}, "id": uuid.NewString()}, 422, "validation_failed", "events"},
		{map[string]any{"events": []any{}}, 422, "validation_failed", "events"},
		{map[string]any{"type": "keystroke", "data": map[string]any{"fileId": "a", "changes": []any{}}}, 422, "validation_failed", "data.changes"},
		{map[string]any{"type": "teleport"}, 422, "validation_failed", "type"},
		{map[string]any{"type": "idle_start", "colour": "red"}, 400, "invalid_json", "colour"},
	}
	for _, c := range cases {
		r := s.expect(s.call("POST", path, token, c.body), c.status, c.code)
		if got := r.str("error", "details", "field"); got != c.field {
			t.Errorf("%v: field %q, want %q", c.body, got, c.field)
		}
	}
	big := make([]any, 1001)
	for i := range big {
		big[i] = ok
	}
	s.expect(s.call("POST", path, token, map[string]any{"events": big}), 413, "batch_too_large")
	// Nothing of all that was written.
	stats := s.expect(s.call("GET", "/api/interview/"+interview+"/stats", tm.owner, nil), 200, "")
	if stats.body["events"] != nil && stats.body["events"].(float64) > 1 {
		t.Errorf("refused batches left events: %s", stats.raw)
	}
}

// TestNoEventLandsAfterTheSubmission appends the submission behind the API's back while the
// candidate's token is fresh in the API's cache: the next batch must still be refused, because
// the check runs with the stream locked.
func TestNoEventLandsAfterTheSubmission(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Late")
	_, invite := s.invite(tm, "Lee")
	interview, token := s.start(invite, 201)
	path := "/api/interview/" + interview + "/events"
	s.expect(s.call("POST", path, token, map[string]any{"type": "idle_start"}), 201, "")

	store, err := eventstore.New(s.db.Pool, eventstore.Options{})
	must(t, err)
	submitted, err := domain.NewEventFrom(uuid.New(), domain.InterviewSubmitted{FinalFiles: map[string]string{"a.py": "x"}}, domain.Metadata{}, time.Now())
	must(t, err)
	_, err = store.Append(context.Background(), uuid.MustParse(interview), eventstore.AnyVersion, submitted)
	must(t, err)

	s.expect(s.call("POST", path, token, map[string]any{"type": "idle_end"}), 409, "interview_submitted")
	s.expect(s.call("POST", path, token, map[string]any{"type": "keystroke",
		"data": map[string]any{"fileId": "a.py", "changes": []any{map[string]any{"offset": 0, "text": "y"}}}}), 409, "interview_submitted")
}
