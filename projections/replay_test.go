package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// session writes a scripted interview through the event store, one batch per call, and keeps
// the files as the candidate's editor had them after each event.
type session struct {
	t      *testing.T
	f      *fixture
	id     uuid.UUID
	at     time.Time
	files  domain.Files
	states map[int64]map[string]string // position → files by name, after that event
}

func newSession(t *testing.T, f *fixture) *session {
	return &session{t: t, f: f, id: uuid.New(), at: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), states: map[int64]map[string]string{}}
}

func (s *session) send(events ...domain.Event) {
	s.t.Helper()
	batch := make([]domain.NewEvent, len(events))
	afters := make([]map[string]string, len(events))
	for i, e := range events {
		s.at = s.at.Add(700 * time.Millisecond)
		ne, err := domain.NewEventFrom(uuid.New(), e, domain.Metadata{}, s.at)
		must(s.t, err)
		batch[i] = ne
		must(s.t, s.files.Apply(e))
		afters[i] = s.files.Clone().ByName()
	}
	res, err := s.f.store.Append(context.Background(), s.id, eventstore.AnyVersion, batch...)
	must(s.t, err)
	for i := range afters {
		s.states[res.FirstPosition+int64(i)] = afters[i] // one stream, one batch: positions are consecutive
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func typeText(file, text string, at int) *domain.Keystroke {
	return &domain.Keystroke{FileID: file, Changes: []domain.Change{{Offset: at, Text: text}}}
}

func TestReplayRestoresEveryMoment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := newSession(t, f)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	s.send(&domain.FileCreated{FileID: "f1", FileName: "main.py", Content: "# start\r\n"})
	alphabet := []string{"a", "b", "\r\n", "é", "😀", "🧑‍💻", " ", "x"}
	for step := range 40 {
		var batch []domain.Event
		work := s.files.Clone() // the editor as the pending edits leave it
		for range 1 + rng.IntN(12) {
			file, _ := work.Get("f1")
			content := file.Content
			r := []rune(content)
			if rng.IntN(4) == 0 && len(r) > 0 {
				ri := rng.IntN(len(r)) // delete one whole code point, never half a surrogate pair
				batch = append(batch, &domain.Keystroke{FileID: "f1", Changes: []domain.Change{
					{Offset: domain.UTF16Len(string(r[:ri])), DeleteCount: domain.UTF16Len(string(r[ri]))}}})
			} else {
				ri := rng.IntN(len(r) + 1)
				batch = append(batch, typeText("f1", alphabet[rng.IntN(len(alphabet))], domain.UTF16Len(string(r[:ri]))))
			}
			must(t, work.Apply(batch[len(batch)-1]))
		}
		if step%9 == 8 {
			file, _ := work.Get("f1")
			batch = append(batch, &domain.CodeSnapshot{FileID: "f1", FileName: file.Name, Content: file.Content})
		}
		if step == 20 {
			batch = append(batch, &domain.FileRenamed{FileID: "f1", OldName: "main.py", NewName: "app.py"},
				&domain.FileCreated{FileID: "f2", FileName: "util.py", Content: "def f():\n    pass\n"})
		}
		s.send(batch...)
	}

	e := f.engine(t, 37, projections.NewReplay()) // an odd batch size splits interviews across batches
	start(t, e)
	end, err := f.store.End(ctx)
	must(t, err)
	f.waitFor(t, e, "replay", end)

	checkAll := func(label string) {
		t.Helper()
		for pos, want := range s.states {
			got, err := projections.StateAt(ctx, f.db.Pool, s.id, pos)
			must(t, err)
			if fmt.Sprint(got.Files.ByName()) != fmt.Sprint(want) || got.Position != pos {
				t.Fatalf("%s: state at %d:\n got %q (at %d)\nwant %q", label, pos, got.Files.ByName(), got.Position, want)
			}
		}
	}
	checkAll("live")

	cps, err := projections.Checkpoints(ctx, f.db.Pool, s.id)
	must(t, err)
	kinds := map[string]int{}
	for _, c := range cps {
		kinds[c.Kind]++
	}
	if kinds[projections.KeyframeSnapshot] != 4 || kinds[projections.KeyframePeriodic] == 0 {
		t.Errorf("keyframes by kind = %v", kinds)
	}
	snaps, err := projections.Snapshots(ctx, f.db.Pool, s.id)
	must(t, err)
	if len(snaps) != 4 || snaps[0].LinesAdded == 0 || len(snaps[0].SHA256) != 64 || !strings.Contains(snaps[0].Diff, "+++ b/main.py") {
		t.Errorf("snapshots = %+v", snaps)
	}

	// A rebuild (a fresh projection with nothing cached) gives the same keyframes.
	before := keyframeDump(t, f, s.id)
	must(t, e.Rebuild(ctx, "replay", nil))
	if after := keyframeDump(t, f, s.id); after != before {
		t.Fatalf("rebuild changed the keyframes:\n%s\nvs\n%s", before, after)
	}
	checkAll("rebuilt")
}

func keyframeDump(t *testing.T, f *fixture, id uuid.UUID) string {
	rows, err := f.db.Pool.Query(context.Background(), `SELECT version, position, kind, files::text FROM replay_keyframes WHERE interview_id = $1 ORDER BY version`, id)
	must(t, err)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var v, p int64
		var k, files string
		must(t, rows.Scan(&v, &p, &k, &files))
		fmt.Fprintf(&b, "%d %d %s %s\n", v, p, k, files)
	}
	return b.String()
}

func TestAClientMarkedCheckpointIsAKeyframe(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := newSession(t, f)
	s.send(typeText("a", "x", 0))
	marked, err := domain.NewEventFrom(uuid.New(), &domain.Cursor{FileID: "a", Line: 1, Column: 2}, domain.Metadata{Checkpoint: true}, s.at)
	must(t, err)
	res, err := f.store.Append(context.Background(), s.id, eventstore.AnyVersion, marked)
	must(t, err)
	e := f.engine(t, 100, projections.NewReplay())
	start(t, e)
	f.waitFor(t, e, "replay", res.End())
	cps, err := projections.Checkpoints(context.Background(), f.db.Pool, s.id)
	must(t, err)
	if len(cps) != 1 || cps[0].Kind != projections.KeyframeMarked || cps[0].Position != res.LastPosition {
		t.Fatalf("checkpoints = %+v, want one marked at %d", cps, res.LastPosition)
	}
}
