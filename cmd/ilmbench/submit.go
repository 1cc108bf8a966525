package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/adapters/blobstore"
	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/httpapi"
	"github.com/interviewlm/interviewlm/adapters/postgres"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
)

// fizzBuzzSolution passes every test of the catalogue's fizz-buzz question, hidden ones included
// (the same code as fizzBuzzFull in adapters/httpapi/submit_test.go).
const fizzBuzzSolution = "from typing import List\n\n\ndef fizz_buzz(n: int) -> List[str]:\n    out = []\n    for i in range(1, n + 1):\n        if i % 15 == 0:\n            out.append(\"FizzBuzz\")\n        elif i % 3 == 0:\n            out.append(\"Fizz\")\n        elif i % 5 == 0:\n            out.append(\"Buzz\")\n        else:\n            out.append(str(i))\n    return out\n"

// submitTarget is the target for the submission's latency at the median.
const submitTarget = 2 * time.Second

// submitted is one interview of the submit measurement and what was measured of it.
type submitted struct {
	candidate
	events      int           // events the candidate recorded
	runTests    time.Duration // POST /run-tests of the final code, before the submission
	submit      time.Duration // POST /submit
	sandboxMs   int64         // the final run's execution time as the sandbox reported it
	technical   float64
	submitStart time.Time     // when POST /submit was sent
	submittedAt time.Time     // when POST /submit answered
	toCommit    time.Duration // from the request to the submission's transaction (recordedAt of interview_submitted)
	archiveLag  time.Duration
	recording   recording
}

// recording is the answer of GET /recording.
type recording struct {
	SizeBytes, CompressedBytes, EventCount, LastVersion int64
}

// submitAndArchiveBench records o.submitInterviews FizzBuzz interviews of o.submitEvents
// events each on the real server, submits them one after the other, and measures the
// submission's latency (part submit) and the session archives (part archive).
func submitAndArchiveBench(ctx context.Context, o options, out io.Writer) error {
	dir, err := os.MkdirTemp("", "ilmbench-submit")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	archiveDir, workspaces := filepath.Join(dir, "archives"), filepath.Join(dir, "workspaces")
	// The sandbox's unprivileged user must reach the workspaces.
	for _, d := range []string{dir, workspaces} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(d, 0o755); err != nil {
			return err
		}
	}
	s, err := startServer(ctx, "ARCHIVE_DIR="+archiveDir, "WORKSPACE_DIR="+workspaces, "SANDBOX_DRIVER=local", "ARCHIVE_DRIVER=local")
	if err != nil {
		return err
	}
	defer s.stop()

	n, perInterview := o.submitInterviews, max(o.submitEvents, 2*len(fizzBuzzSolution))
	fmt.Fprintf(os.Stderr, "  submit: starting %d FizzBuzz interviews\n", n)
	owner, cands, err := s.fizzBuzzInterviews(n)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "  submit: recording %d events in each\n", perInterview)
	t0 := time.Now()
	runs := make([]*submitted, n)
	var wg sync.WaitGroup
	var failure atomic.Value
	next := atomic.Int64{}
	for range min(n, 4) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && failure.Load() == nil; i = int(next.Add(1) - 1) {
				count, err := s.recordSession(cands[i], perInterview)
				if err != nil {
					failure.Store(fmt.Errorf("recording interview %d: %w", i, err))
					return
				}
				runs[i] = &submitted{candidate: cands[i], events: count}
			}
		})
	}
	wg.Wait()
	if err, ok := failure.Load().(error); ok {
		return err
	}
	recorded := time.Since(t0)
	fmt.Fprintf(os.Stderr, "  submit: recorded %d events in %s (%.0f events/s)\n", n*perInterview, recorded.Round(time.Millisecond),
		float64(n*perInterview)/recorded.Seconds())
	if err := s.waitCaughtUp(2 * time.Minute); err != nil {
		return err
	}

	// One submission at a time, each on a quiet server: the projections caught up and the
	// previous interview's archive written.
	for i, r := range runs {
		body := map[string]any{"code": fizzBuzzSolution, "language": "python", "fileName": "main.py"}
		var run struct{ Passed, Total int }
		t := time.Now()
		if err := s.call("POST", "/api/interview/"+r.interview+"/run-tests", r.token, body, 200, &run); err != nil {
			return err
		}
		r.runTests = time.Since(t)
		if run.Passed != run.Total || run.Total == 0 {
			return fmt.Errorf("run-tests of the solution passed %d of %d", run.Passed, run.Total)
		}
		if err := s.waitCaughtUp(time.Minute); err != nil {
			return err
		}

		var answer struct {
			Success    bool
			Evaluation map[string]any
		}
		t = time.Now()
		r.submitStart = t
		err := s.call("POST", "/api/interview/"+r.interview+"/submit", r.token,
			map[string]any{"finalCode": map[string]string{"main.py": fizzBuzzSolution}, "notes": "benchmark"}, 200, &answer)
		r.submit = time.Since(t)
		r.submittedAt = time.Now()
		if err != nil {
			return err
		}
		if !answer.Success || answer.Evaluation != nil {
			return fmt.Errorf("submit answered success %v, evaluation %v (the assessment hides results from candidates)", answer.Success, answer.Evaluation)
		}
		if err := s.checkEvaluation(owner, r); err != nil {
			return err
		}
		if r.recording, err = s.awaitRecording(owner, r.interview, time.Minute); err != nil {
			return err
		}
		r.archiveLag = time.Since(r.submittedAt)
		fmt.Fprintf(os.Stderr, "  submit %2d/%d: run-tests %s, submit %s (sandbox %d ms), technical %.0f, archived after %s\n", i+1, n,
			r.runTests.Round(time.Millisecond), r.submit.Round(time.Millisecond), r.sandboxMs, r.technical, r.archiveLag.Round(time.Millisecond))
	}

	if o.wants("submit") {
		printSubmitTable(out, runs)
	}
	if o.wants("archive") {
		if err := archiveTables(ctx, s, runs, out); err != nil {
			return err
		}
	}
	return nil
}

// fizzBuzzInterviews creates a team with a published one-question FizzBuzz assessment in
// Python, which keeps results from candidates, and n started interviews, each served its
// question and holding an empty main.py. It returns the team's token.
func (s *server) fizzBuzzInterviews(n int) (string, []candidate, error) {
	token, assessment, err := s.newTeam(map[string]any{
		"title": "Python engineer", "description": "FizzBuzz", "seniority": "MID", "durationMinutes": 480,
		"language": "python", "questionCount": 1, "problemIds": []string{"fizz-buzz"}, "showResultsToCandidate": false,
	})
	if err != nil {
		return "", nil, err
	}
	out := make([]candidate, n)
	for i := range out {
		c, err := s.startCandidate(token, assessment, i)
		if err != nil {
			return "", nil, err
		}
		var q struct{ Question struct{ ProblemID string } }
		if err := s.call("POST", "/api/interview/"+c.interview+"/questions", c.token, map[string]any{}, 201, &q); err != nil {
			return "", nil, err
		}
		if q.Question.ProblemID != "fizz-buzz" {
			return "", nil, fmt.Errorf("served problem %q, want fizz-buzz", q.Question.ProblemID)
		}
		out[i] = c
	}
	return token, out, nil
}

// session generates a candidate's editor events: main.py created, the solution typed
// character by character with typos corrected, cursor moves and the odd trip to another
// window, then lines deleted and typed again until the budget is spent; the file ends as the
// solution.
type session struct {
	total, made int
	content     []byte
	pending     []map[string]any
}

func (g *session) left() int { return g.total - g.made - len(g.pending) }

func (g *session) emit(typ string, data map[string]any) {
	g.pending = append(g.pending, map[string]any{"id": uuid.NewString(), "type": typ, "timestamp": time.Now().UTC(), "data": data})
}

func (g *session) edit(offset, deleteCount int, text string) {
	g.emit("keystroke", map[string]any{"fileId": "main.py", "changes": []map[string]any{{"offset": offset, "deleteCount": deleteCount, "text": text}}})
	g.content = slices.Concat(g.content[:offset], []byte(text), g.content[offset+deleteCount:])
}

func (g *session) cursor(offset int) {
	before := g.content[:offset]
	line := 1 + strings.Count(string(before), "\n")
	col := 1 + offset - (strings.LastIndexByte(string(before), '\n') + 1)
	g.emit("cursor", map[string]any{"fileId": "main.py", "line": line, "column": col})
}

// typeText types text at offset, one character a keystroke, with cursor moves, typos and
// focus changes on the way as long as the budget keeps room for the rest of text and for
// reserve keystrokes after it.
func (g *session) typeText(offset int, text string, reserve int) {
	for i := 0; i < len(text); i++ {
		room := g.left() - (len(text) - i) - reserve
		if room >= 3 {
			switch r := mrand.IntN(100); {
			case r < 4: // a typo, taken back
				g.edit(offset+i, 0, string(rune('a'+mrand.IntN(26))))
				g.edit(offset+i, 1, "")
			case r < 6 && room >= 4: // away to read the problem, and back
				g.emit("focus_change", map[string]any{"focused": false})
				g.emit("focus_change", map[string]any{"focused": true})
			}
		}
		g.edit(offset+i, 0, text[i:i+1])
		if g.left() > len(text)-i+reserve && mrand.IntN(4) == 0 {
			g.cursor(offset + i + 1)
		}
	}
}

// plan makes every event of the session, calling flush with each batch of about batch events.
func (g *session) plan(batch int, flush func([]map[string]any) error) error {
	send := func(force bool) error {
		for len(g.pending) >= batch || force && len(g.pending) > 0 {
			k := min(batch, len(g.pending))
			if err := flush(g.pending[:k]); err != nil {
				return err
			}
			g.made += k
			g.pending = g.pending[k:]
		}
		return nil
	}
	g.emit("file_created", map[string]any{"fileId": "main.py", "fileName": "main.py", "language": "python"})
	// The first draft, a line at a time.
	lines := strings.SplitAfter(fizzBuzzSolution, "\n")
	lines = lines[:len(lines)-1]
	for _, l := range lines {
		g.typeText(len(g.content), l, len(fizzBuzzSolution)-len(g.content)-len(l))
		if err := send(false); err != nil {
			return err
		}
	}
	// Rewrites: a line deleted from its end and typed again.
	for {
		i := mrand.IntN(len(lines))
		start := len(strings.Join(lines[:i], ""))
		body := strings.TrimSuffix(lines[i], "\n")
		if len(body) == 0 {
			continue
		}
		if g.left() < 2*len(body)+1 {
			break
		}
		g.cursor(start + len(body))
		for k := len(body); k > 0; k-- {
			g.edit(start+k-1, 1, "")
		}
		g.typeText(start, body, 0)
		if err := send(false); err != nil {
			return err
		}
	}
	for g.left() > 0 {
		g.cursor(1 + mrand.IntN(len(g.content)))
	}
	if string(g.content) != fizzBuzzSolution {
		return errors.New("the generated session does not end with the solution")
	}
	return send(true)
}

// recordSession records a session of n events in batches of 200, and returns how many
// events the server accepted.
func (s *server) recordSession(c candidate, n int) (int, error) {
	g := &session{total: n}
	accepted := 0
	err := g.plan(200, func(events []map[string]any) error {
		var res struct{ Accepted int }
		err := s.call("POST", "/api/interview/"+c.interview+"/events", c.token, map[string]any{"events": events}, 201, &res)
		accepted += res.Accepted
		return err
	})
	return accepted, err
}

// waitCaughtUp waits until every projection has applied the whole log.
func (s *server) waitCaughtUp(timeout time.Duration) error {
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		var health struct {
			Projections map[string]struct{ Lag int64 }
		}
		caughtUp := s.call("GET", "/api/health", "", nil, 200, &health) == nil && len(health.Projections) > 0
		for _, p := range health.Projections {
			caughtUp = caughtUp && p.Lag == 0
		}
		if caughtUp {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the projections did not catch up in %s", timeout)
		}
	}
}

// checkEvaluation reads the evaluation as the hiring team and the final run the submission
// recorded: every test passed, and the technical score is full.
func (s *server) checkEvaluation(owner string, r *submitted) error {
	var ev struct {
		Evaluation struct {
			Breakdown struct{ Technical float64 }
			Details   struct {
				Technical struct {
					Questions []struct{ TestsPassed, TestsTotal int }
				}
			}
		}
	}
	if err := s.call("GET", "/api/interview/"+r.interview+"/evaluation", owner, nil, 200, &ev); err != nil {
		return err
	}
	r.technical = ev.Evaluation.Breakdown.Technical
	qs := ev.Evaluation.Details.Technical.Questions
	if r.technical != 100 || len(qs) != 1 || qs[0].TestsPassed != qs[0].TestsTotal || qs[0].TestsTotal == 0 {
		return fmt.Errorf("interview %s: technical %v, questions %+v; want 100 and every test passed", r.interview, r.technical, qs)
	}
	var page struct {
		Events []struct {
			Type       string
			RecordedAt time.Time
			Data       struct{ ExecutionTimeMs int64 }
			Actor      struct{ Kind string }
		}
	}
	if err := s.call("GET", "/api/interview/"+r.interview+"/events?type=test_run,interview_submitted", owner, nil, 200, &page); err != nil {
		return err
	}
	for _, e := range page.Events {
		switch {
		case e.Type == domain.TypeTestRun && e.Actor.Kind == string(domain.ActorSystem):
			r.sandboxMs = e.Data.ExecutionTimeMs
		case e.Type == domain.TypeInterviewSubmitted:
			// The server's clock is this machine's.
			r.toCommit = e.RecordedAt.Sub(r.submitStart)
		}
	}
	if r.toCommit <= 0 || r.sandboxMs == 0 {
		return fmt.Errorf("interview %s: no final run or submission in %+v", r.interview, page.Events)
	}
	return nil
}

// awaitRecording polls GET /recording until the background job has archived the session.
func (s *server) awaitRecording(owner, interview string, timeout time.Duration) (recording, error) {
	var rec recording
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		err := s.call("GET", "/api/interview/"+interview+"/recording", owner, nil, 200, &rec)
		if err == nil {
			return rec, nil
		}
		if !strings.Contains(err.Error(), "not_archived") || time.Now().After(deadline) {
			return rec, fmt.Errorf("recording of %s: %w", interview, err)
		}
	}
}

func durations(runs []*submitted, f func(*submitted) time.Duration) []time.Duration {
	out := make([]time.Duration, len(runs))
	for i, r := range runs {
		out[i] = f(r)
	}
	slices.Sort(out)
	return out
}

func printSubmitTable(out io.Writer, runs []*submitted) {
	submits := durations(runs, func(r *submitted) time.Duration { return r.submit })
	tests := durations(runs, func(r *submitted) time.Duration { return r.runTests })
	sandbox := durations(runs, func(r *submitted) time.Duration { return time.Duration(r.sandboxMs) * time.Millisecond })
	commit := durations(runs, func(r *submitted) time.Duration { return r.toCommit })
	after := durations(runs, func(r *submitted) time.Duration { return r.submit - r.toCommit })
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	p50 := percentile(submits, 0.5)
	technical := "100 (all)"
	for _, r := range runs {
		if r.technical != 100 {
			technical = "MISSED"
		}
	}
	fmt.Fprintln(out, "Submission over HTTP: POST /submit of a FizzBuzz (python) interview, final sandbox run of every test and wait for the scoring")
	fmt.Fprintln(out, "projection included; one at a time on an otherwise idle server (projections caught up, the previous session archived)")
	fmt.Fprintf(out, "%-11s %-12s %-11s %-10s %-10s %-14s %s\n", "interviews", "events each", "submit p50", "p90", "max", "run-tests p50", "target p50 < 2 s")
	fmt.Fprintf(out, "%-11d %-12d %-11s %-10s %-10s %-14s %s %s\n", len(runs), runs[0].events, ms(p50), ms(percentile(submits, 0.9)),
		ms(submits[len(submits)-1]), ms(percentile(tests, 0.5)), ms(p50), verdict(p50 < submitTarget))
	fmt.Fprintf(out, "  breakdown (p50): request → submission committed %s, of which the final run in the sandbox %s (its own clock);"+
		" committed → answer (scoring projection, reads) %s\n", ms(percentile(commit, 0.5)), ms(percentile(sandbox, 0.5)), ms(percentile(after, 0.5)))
	fmt.Fprintf(out, "  evaluation read back by the team (GET /evaluation): technical %s, every test passed\n\n", technical)
}

// archiveTables prints the archives the server's background job wrote, then measures the
// archiver in this process over the same streams.
func archiveTables(ctx context.Context, s *server, runs []*submitted, out io.Writer) error {
	fmt.Fprintln(out, "Session archives the server's background job wrote once each interview was submitted (GET /recording)")
	fmt.Fprintf(out, "%-38s %8s %12s %12s %7s %12s\n", "interview", "events", "JSON bytes", "gzip bytes", "ratio", "ready after")
	var raw, packed int64
	for _, r := range runs {
		rec := r.recording
		raw, packed = raw+rec.SizeBytes, packed+rec.CompressedBytes
		fmt.Fprintf(out, "%-38s %8d %12d %12d %6.1fx %12s\n", r.interview, rec.EventCount, rec.SizeBytes, rec.CompressedBytes,
			float64(rec.SizeBytes)/float64(rec.CompressedBytes), r.archiveLag.Round(time.Millisecond))
	}
	lags := durations(runs, func(r *submitted) time.Duration { return r.archiveLag })
	fmt.Fprintf(out, "%-38s %8s %12d %12d %6.1fx %12s\n\n", "all", "", raw, packed, float64(raw)/float64(packed),
		"p50 "+percentile(lags, 0.5).Round(time.Millisecond).String())

	pool, err := postgres.Open(ctx, s.dbURL, postgres.Options{MaxConns: 4})
	if err != nil {
		return err
	}
	defer pool.Close()
	store, err := eventstore.New(pool, eventstore.Options{Upcaster: domain.DefaultUpcasters().Upcast})
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ilmbench-archives")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	blobs, err := blobstore.NewLocal(dir, []byte(hex.EncodeToString(secret)), "http://127.0.0.1"+httpapi.ArchivesPath)
	if err != nil {
		return err
	}
	reader := &untilArchived{store: store}
	appender := &discardAppend{}
	archiver, err := commands.NewArchiveSessionHandler(reader, appender, blobs, nil, time.Now)
	if err != nil {
		return err
	}
	var events, bytesIn, bytesOut int64
	var took, readTook time.Duration
	for _, r := range runs {
		id := uuid.MustParse(r.interview)
		// What reading the stream alone costs, for the breakdown.
		t := time.Now()
		n := 0
		for after := int64(0); ; {
			page, err := reader.ReadStream(ctx, id, after, 5000)
			if err != nil {
				return err
			}
			n += len(page)
			if len(page) < 5000 {
				break
			}
			after = page[len(page)-1].Version
		}
		readTook += time.Since(t)

		t = time.Now()
		rec, err := archiver.Handle(ctx, id)
		took += time.Since(t)
		if err != nil {
			return fmt.Errorf("archive %s: %w", id, err)
		}
		if rec.EventCount != int64(n) || appender.appended != 1 {
			return fmt.Errorf("archive %s: %d events archived of %d read, %d records", id, rec.EventCount, n, appender.appended)
		}
		appender.appended = 0
		// Read back: a whole, valid archive, the same as the server's.
		body, _, err := blobs.Get(ctx, rec.Key)
		if err != nil {
			return err
		}
		back, err := commands.ReadArchive(body)
		body.Close()
		if err != nil {
			return err
		}
		if len(back.Events) != n || rec.SizeBytes != r.recording.SizeBytes && rec.EventCount == r.recording.EventCount {
			return fmt.Errorf("archive %s: %d events read back of %d; %d bytes of JSON, the server's %d", id, len(back.Events), n, rec.SizeBytes, r.recording.SizeBytes)
		}
		events, bytesIn, bytesOut = events+rec.EventCount, bytesIn+rec.SizeBytes, bytesOut+rec.CompressedBytes
	}
	fmt.Fprintln(out, "Archiving in-process: ArchiveSessionHandler.Handle over the same streams into a fresh local blob store, one at a time;")
	fmt.Fprintln(out, "the reader stops before the server's own session_archived record and the new record's one-row append is skipped,")
	fmt.Fprintln(out, "so each Handle does the whole archive (read the log, JSON, gzip -9, write events + snapshots) of what the server archived")
	fmt.Fprintf(out, "%-11s %-10s %-13s %-12s %-12s %-8s %-14s %s\n", "interviews", "events", "JSON MB", "took", "events/s", "MB/s", "gzip ratio", "of which reading the log")
	fmt.Fprintf(out, "%-11d %-10d %-13.2f %-12s %-12.0f %-8.2f %-14s %s (%.0f events/s)\n\n", len(runs), events, float64(bytesIn)/1e6,
		took.Round(time.Millisecond), float64(events)/took.Seconds(), float64(bytesIn)/1e6/took.Seconds(),
		fmt.Sprintf("%.1fx", float64(bytesIn)/float64(bytesOut)), readTook.Round(time.Millisecond), float64(events)/readTook.Seconds())
	return nil
}

// untilArchived reads a stream up to, not including, its first session_archived record: the
// events the server's archiver covered, so that the archiver here does the same work again
// rather than find the stream archived already.
type untilArchived struct{ store *eventstore.Store }

func (u *untilArchived) ReadStream(ctx context.Context, stream uuid.UUID, afterVersion int64, limit int) ([]domain.RecordedEvent, error) {
	page, err := u.store.ReadStream(ctx, stream, afterVersion, limit)
	if err != nil {
		return nil, err
	}
	for i, e := range page {
		if e.Type == domain.TypeSessionArchived {
			return page[:i], nil
		}
	}
	return page, nil
}

// discardAppend counts the archive records instead of appending them: the stream has moved
// on from the version the reader above stops at.
type discardAppend struct{ appended int }

func (d *discardAppend) AppendEvents(_ context.Context, _ uuid.UUID, _ int64, events ...domain.NewEvent) (domain.LogPosition, error) {
	d.appended += len(events)
	return domain.LogPosition{}, nil
}
