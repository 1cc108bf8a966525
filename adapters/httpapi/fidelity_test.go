package httpapi_test

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
)

// editorSim is a candidate's editor: it makes random edits the way Monaco reports them
// (UTF-16 offsets, several changes per event applied in order) and knows its own text.
type editorSim struct {
	rng   *rand.Rand
	files domain.Files
	ids   []string
}

var simTexts = []string{"a", "Z", " ", "\t", "\r\n", "\n", "é", "ß", "中文", "😀", "🧑‍💻", "👍🏽", "func ", "}", "\"q\""}

// randomOffset returns a UTF-16 offset at a code-point boundary of text, and the rune index.
func (s *editorSim) randomOffset(text string) (int, int) {
	r := []rune(text)
	i := s.rng.IntN(len(r) + 1)
	return domain.UTF16Len(string(r[:i])), i
}

// edit returns one keystroke event on a random file: an insert, a delete, or a replacement,
// sometimes with several changes.
func (s *editorSim) edit() *domain.Keystroke {
	id := s.ids[s.rng.IntN(len(s.ids))]
	file, _ := s.files.Get(id)
	text := file.Content
	k := &domain.Keystroke{FileID: id}
	for range 1 + s.rng.IntN(3) {
		r := []rune(text)
		var c domain.Change
		switch op := s.rng.IntN(10); {
		case op < 5 || len(r) == 0: // insert
			c.Offset, _ = s.randomOffset(text)
			c.Text = simTexts[s.rng.IntN(len(simTexts))]
		case op < 8: // delete whole code points
			i := s.rng.IntN(len(r))
			j := min(len(r), i+1+s.rng.IntN(4))
			c.Offset, c.DeleteCount = domain.UTF16Len(string(r[:i])), domain.UTF16Len(string(r[i:j]))
		default: // replace a range
			i := s.rng.IntN(len(r))
			j := min(len(r), i+1+s.rng.IntN(6))
			c.Offset, c.DeleteCount = domain.UTF16Len(string(r[:i])), domain.UTF16Len(string(r[i:j]))
			c.Text = simTexts[s.rng.IntN(len(simTexts))] + simTexts[s.rng.IntN(len(simTexts))]
		}
		next, err := domain.ApplyChanges(text, []domain.Change{c})
		if err != nil {
			panic(err) // the simulator only makes edits that fit
		}
		k.Changes, text = append(k.Changes, c), next
	}
	return k
}

func keystrokeJSON(k *domain.Keystroke) map[string]any {
	changes := make([]map[string]any, len(k.Changes))
	for i, c := range k.Changes {
		changes[i] = map[string]any{"offset": c.Offset, "deleteCount": c.DeleteCount, "text": c.Text}
	}
	return map[string]any{"fileId": k.FileID, "changes": changes}
}

// TestReplayIsExactAtEveryPosition is the fidelity test: thousands of random edits (inserts,
// deletes, replacements, several changes per event, emoji and other text outside the BMP,
// CRLF) and periodic snapshots go through POST /events; then GET /state must give the
// simulator's files byte for byte at every position, and every snapshot must equal what the
// deltas before it produced.
func TestReplayIsExactAtEveryPosition(t *testing.T) {
	t.Parallel()
	edits := 3000
	if testing.Short() {
		edits = 600
	}
	s := newStack(t, nil)
	tm := s.newTeam("Fidelity")
	_, invite := s.invite(tm, "Fi")
	interview, token := s.start(invite, 201)
	sim := &editorSim{rng: rand.New(rand.NewPCG(2026, 11)), ids: []string{"f-main", "f-util"}}
	for _, f := range []domain.File{{ID: "f-main", Name: "main.go", Content: "package main\r\n"}, {ID: "f-util", Name: "util/strings.go"}} {
		sim.files = domain.NewFiles(append(sim.files.List(), f)...)
	}

	type moment struct {
		position int64
		files    map[string]string
	}
	var (
		moments   []moment
		snapshots []moment // the snapshot's position, and the text the deltas gave just before it
		clock     = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		sent      int
	)
	post := func(batch []map[string]any, after []map[string]string) {
		r := s.expect(s.call("POST", "/api/interview/"+interview+"/events", token, map[string]any{"events": batch}), 201, "")
		last := int64(r.body["lastPosition"].(float64))
		first := last - int64(len(batch)) + 1 // one stream, one transaction: consecutive positions
		for i := range batch {
			moments = append(moments, moment{position: first + int64(i), files: after[i]})
		}
	}
	event := func(typ string, data map[string]any) map[string]any {
		clock = clock.Add(time.Duration(30+sim.rng.IntN(300)) * time.Millisecond)
		return map[string]any{"id": uuid.NewString(), "type": typ, "timestamp": clock, "data": data}
	}
	created := []map[string]any{
		event("file_created", map[string]any{"fileId": "f-main", "fileName": "main.go", "content": "package main\r\n"}),
		event("file_created", map[string]any{"fileId": "f-util", "fileName": "util/strings.go"}),
	}
	post(created, []map[string]string{{"main.go": "package main\r\n"}, sim.files.ByName()})

	for sent < edits {
		var batch []map[string]any
		var after []map[string]string
		for range 1 + sim.rng.IntN(25) {
			k := sim.edit()
			must(t, sim.files.Apply(k))
			batch, after = append(batch, event("keystroke", keystrokeJSON(k))), append(after, sim.files.ByName())
			sent++
			if sent%97 == 0 {
				// A snapshot of one file, as the editor sends now and then.
				id := sim.ids[sent%2]
				f, _ := sim.files.Get(id)
				before := sim.files.ByName()
				batch = append(batch, event("code_snapshot", map[string]any{"fileId": id, "fileName": f.Name, "content": f.Content}))
				after = append(after, before)
				snapshots = append(snapshots, moment{files: before})
				snapshots[len(snapshots)-1].position = -int64(len(batch)) // patched once posted
			}
		}
		n := len(moments)
		post(batch, after)
		for i := range snapshots {
			if snapshots[i].position < 0 {
				snapshots[i].position = moments[n+int(-snapshots[i].position)-1].position
			}
		}
	}

	check := func(at string, want map[string]string) {
		r := s.expect(s.call("GET", "/api/interview/"+interview+"/state?at="+at, tm.owner, nil), 200, "")
		files, _ := r.body["files"].(map[string]any)
		if len(files) != len(want) {
			t.Errorf("at %s: %d files, want %d", at, len(files), len(want))
			return
		}
		for name, content := range want {
			if files[name] != content {
				t.Errorf("at %s: %s is\n%q\nwant\n%q", at, name, files[name], content)
				return
			}
		}
	}
	var wg sync.WaitGroup
	work := make(chan moment)
	for range 4 {
		wg.Go(func() {
			for m := range work {
				check(strconv.FormatInt(m.position, 10), m.files)
			}
		})
	}
	for _, m := range moments {
		work <- m
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		return
	}
	if len(snapshots) < 10 {
		t.Fatalf("only %d snapshots were sent", len(snapshots))
	}
	for _, snap := range snapshots {
		// The deltas before the snapshot must already have produced its content exactly.
		check(strconv.FormatInt(snap.position-1, 10), snap.files)
		check(strconv.FormatInt(snap.position, 10), snap.files)
	}
	// By time: the state at the last event's timestamp is the end state.
	check(clock.Format(time.RFC3339Nano), sim.files.ByName())
	t.Logf("%d edits, %d snapshots, %d positions checked", sent, len(snapshots), len(moments))
}
