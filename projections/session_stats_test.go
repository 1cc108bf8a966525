package projections_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// TestSessionStatsSumTheInterview plays a scripted interview and checks every figure, with the
// engine applying one event per batch and then all at once: figures that span batches (an idle
// period) must come out the same.
func TestSessionStatsSumTheInterview(t *testing.T) {
	t.Parallel()
	for _, batch := range []int{1, 1000} {
		f := newFixture(t)
		s := newSession(t, f)
		no, yes := false, true
		s.send(&domain.FileCreated{FileID: "a", FileName: "a.py"})
		s.send(typeText("a", "héllo😀", 0), typeText("a", "\r\n", 7)) // 7 + 2 UTF-16 units inserted
		s.send(&domain.Keystroke{FileID: "a", Changes: []domain.Change{{Offset: 0, DeleteCount: 2}, {Offset: 0, Text: "H"}}})
		s.send(&domain.Paste{FileID: "a", Offset: 0, Text: "pasted😀"}) // 8 units
		s.send(&domain.FocusChange{Focused: &no}, &domain.FocusChange{Focused: &yes}, &domain.FocusChange{Focused: &no})
		s.send(&domain.IdleStart{})
		s.at = s.at.Add(10 * time.Second)
		s.send(&domain.IdleEnd{}) // no duration: measured from the idle_start, 10.7 s earlier
		s.send(&domain.IdleStart{}, &domain.IdleEnd{DurationMs: 4000})
		s.send(&domain.AIMessage{TurnID: uuid.New(), Message: "how?", PromptQuality: 3},
			&domain.AIResponse{TurnID: uuid.New(), Text: "like so", InputTokens: 120, OutputTokens: 45})
		s.send(&domain.TestRun{RunID: uuid.New(), Language: "python", Passed: 3, Failed: 2, Total: 5})
		s.send(&domain.TestRun{RunID: uuid.New(), Language: "python", Passed: 5, Failed: 0, Total: 5})
		s.send(&domain.IdleStart{}) // still open at the end: not counted yet

		e := f.engine(t, batch, projections.SessionStats{})
		start(t, e)
		end, err := f.store.End(context.Background())
		must(t, err)
		f.waitFor(t, e, "session_stats", end)
		got, err := projections.ReadSessionStats(context.Background(), f.db.Pool, s.id)
		must(t, err)
		want := projections.SessionStatsView{
			InterviewID: s.id, Events: 17, Keystrokes: 3, CharsInserted: 10, CharsDeleted: 2, Pastes: 1, PastedChars: 8,
			FocusLosses: 2, IdleSeconds: 14.7, AITurns: 1, AIInputTokens: 120, AIOutputTokens: 45,
			TestRuns: 2, TestsPassed: 8, TestsFailed: 2,
		}
		got.EventsByType, got.FirstEventAt, got.LastEventAt, got.LastPosition = nil, nil, nil, 0
		wantDuration := got.DurationSeconds
		want.DurationSeconds = wantDuration
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Fatalf("batch %d:\n got %+v\nwant %+v", batch, got, want)
		}
		if got.DurationSeconds < 20 || got.DurationSeconds > 30 {
			t.Errorf("duration %.1f s, want about 22 s", got.DurationSeconds)
		}
	}
}
