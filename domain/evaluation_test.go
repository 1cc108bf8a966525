package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// ---------------------------------------------------------------------------------------------
// Script helpers: an interview is a list of steps, each a payload, the actor that caused it and
// when (an offset from evalT0). evalBuild turns them into recorded events with versions 1..n and
// positions 1000+version, so that a test mixing the two up fails.
// ---------------------------------------------------------------------------------------------

var (
	evalT0     = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	evalStream = uuid.MustParse("5b0c9e4e-3f7a-4c35-9d42-0d6a1f3e2b10")
	evalQ1     = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	evalQ2     = uuid.MustParse("22222222-2222-4222-8222-222222222222")
)

type evalStep struct {
	at    time.Duration
	actor ActorKind
	data  Event
	mark  string
}

// as names the step, so that a test can ask for its position.
func (s evalStep) as(mark string) evalStep { s.mark = mark; return s }

func evCand(sec float64, e Event) evalStep {
	return evalStep{at: time.Duration(sec * float64(time.Second)), actor: ActorCandidate, data: e}
}

func evSys(sec float64, e Event) evalStep {
	return evalStep{at: time.Duration(sec * float64(time.Second)), actor: ActorSystem, data: e}
}

type evalScript struct {
	events []RecordedEvent
	pos    map[string]int64
}

func (s evalScript) positions(marks ...string) []int64 {
	out := make([]int64, 0, len(marks))
	for _, m := range marks {
		p, ok := s.pos[m]
		if !ok {
			panic("no step marked " + m)
		}
		out = append(out, p)
	}
	return out
}

func evalBuild(t testing.TB, steps ...evalStep) evalScript {
	t.Helper()
	s := evalScript{pos: map[string]int64{}}
	for i, st := range steps {
		data, err := json.Marshal(st.data)
		if err != nil {
			t.Fatalf("step %d: marshal %T: %v", i, st.data, err)
		}
		v := int64(i + 1)
		at := evalT0.Add(st.at)
		s.events = append(s.events, RecordedEvent{
			ID:            uuid.NewSHA1(evalStream, []byte(strconv.FormatInt(v, 10))),
			StreamID:      evalStream,
			Version:       v,
			Position:      1000 + v,
			TxID:          uint64(700 + v),
			Type:          st.data.EventType(),
			SchemaVersion: st.data.SchemaVersion(),
			Data:          data,
			Metadata:      Metadata{Actor: Actor{Kind: st.actor, ID: "actor-" + string(st.actor)}},
			OccurredAt:    at,
			RecordedAt:    at,
		})
		if st.mark != "" {
			if _, dup := s.pos[st.mark]; dup {
				t.Fatalf("mark %q used twice", st.mark)
			}
			s.pos[st.mark] = 1000 + v
		}
	}
	return s
}

func evFixedAnalyzer(score float64) CodeAnalyzer {
	return func(language string, files map[string]string) CodeQualityResult {
		return CodeQualityResult{Analyzed: true, Score: score, Language: language, Files: len(files), CodeLines: 40}
	}
}

func evSettings(enableAI bool, cfg *ScoringConfig) AssessmentSettings {
	return AssessmentSettings{Language: "python", Seniority: "mid", QuestionCount: 2, EnableCoding: true, EnableAI: enableAI, Scoring: cfg}
}

func evStarted(settings AssessmentSettings) evalStep {
	return evCand(0, &InterviewStarted{CandidateID: uuid.MustParse("33333333-3333-4333-8333-333333333333"),
		CandidateName: "Ada", TimeLimitMinutes: 60, Deadline: evalT0.Add(time.Hour), Settings: settings}).as("started")
}

var evDefaultFiles = map[string]string{"main.py": "def solve(values):\n    return sorted(values)\n"}

func evSubmitted(sec float64, files map[string]string) evalStep {
	if files == nil {
		files = evDefaultFiles
	}
	return evCand(sec, &InterviewSubmitted{FinalFiles: files}).as("submitted")
}

// evSession wraps steps in an interview with the assistant on, Python, the default scoring, and a
// submission 10 s after the last step.
func evSession(steps ...evalStep) []evalStep {
	return evSessionWith(evSettings(true, nil), nil, steps...)
}

func evSessionWith(settings AssessmentSettings, files map[string]string, steps ...evalStep) []evalStep {
	last := time.Duration(0)
	for _, s := range steps {
		last = max(last, s.at)
	}
	out := append([]evalStep{evStarted(settings)}, steps...)
	return append(out, evSubmitted(last.Seconds()+10, files))
}

func evServed(id uuid.UUID, d Difficulty, tests, hidden, estMinutes int) *QuestionServed {
	q := &QuestionServed{QuestionID: id, Difficulty: d, Title: "Question " + string(d), Language: "python",
		Description: "Return the values sorted.", StarterCode: "def solve(values):\n    pass\n", Mode: TestModeFunction,
		Entrypoint: "solve", Source: QuestionFromBank, EstimatedMinutes: estMinutes}
	for i := range tests {
		q.TestCases = append(q.TestCases, TestCase{Name: fmt.Sprintf("t%d", i), Input: "[[2,1]]", ExpectedOutput: "[1,2]", Hidden: i >= tests-hidden})
	}
	return q
}

// evRun is a run of total tests of which the first passed pass; the last hiddenFailing tests are
// hidden and fail.
func evRun(id uuid.UUID, passed, total, hiddenFailing int) *TestRun {
	r := &TestRun{RunID: uuid.NewSHA1(id, []byte(fmt.Sprint(passed, total, hiddenFailing))), QuestionID: id, Language: "python",
		FileName: "main.py", Code: "def solve(values):\n    return sorted(values)\n", Passed: passed, Failed: total - passed, Total: total}
	for i := range total {
		hidden := i >= total-hiddenFailing
		ok := i < passed
		verdict := VerdictPassed
		if !ok {
			verdict = VerdictWrongAnswer
		}
		r.Results = append(r.Results, TestResult{Name: fmt.Sprintf("t%d", i), Passed: ok, Verdict: verdict, Hidden: hidden})
	}
	return r
}

func evMsg(quality int, reasons ...string) *AIMessage {
	return &AIMessage{TurnID: uuid.NewSHA1(evalStream, []byte(fmt.Sprint("turn", quality, reasons))), Message: "why does the loop skip index 0?",
		PromptQuality: quality, QualityReasons: reasons}
}

func evAnswer(text string) *AIResponse {
	return &AIResponse{Text: text, Model: "test-model", InputTokens: 100, OutputTokens: 50, CostUSD: 0.001}
}

func evKeys(text string) *Keystroke {
	return &Keystroke{FileID: "f-main", Changes: []Change{{Offset: 0, Text: text}}}
}

func evPaste(text string) *Paste { return &Paste{FileID: "f-main", Text: text} }

func evFocus(focused bool) *FocusChange { return &FocusChange{Focused: &focused} }

// evAICode is a fenced answer's code: eight significant lines.
const evAICode = `def two_sum(nums, target):
    seen = {}
    for index, value in enumerate(nums):
        need = target - value
        if need in seen:
            return [seen[need], index]
        seen[value] = index
    return []
`

var evAIAnswer = "Here is one way:\n\n```python\n" + evAICode + "```\n\nIt keeps a map of values seen so far."

// evLines is n significant lines of code nobody in the session wrote.
func evLines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "value_%d = compute_total(%d)\n", i, i)
	}
	return b.String()
}

// evEvaluate runs Evaluate and checks what must hold of every evaluation: scores within 0 to
// 100, evidence positions among the events read, Verified at most AIPastes.
func evEvaluate(t testing.TB, s evalScript, analyze CodeAnalyzer) Evaluation {
	t.Helper()
	ev, err := Evaluate(s.events, analyze)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	evCheckInvariants(t, s.events, ev)
	return ev
}

func evCheckInvariants(t testing.TB, events []RecordedEvent, ev Evaluation) {
	t.Helper()
	scores := map[string]float64{"overall": ev.OverallScore, "technical": ev.Breakdown.Technical,
		"codeQuality": ev.Breakdown.CodeQuality, "problemSolving": ev.Breakdown.ProblemSolving,
		"aiCollaboration": ev.Breakdown.AICollaboration, "aiCollaborationScore": ev.AICollaborationScore,
		"confidence": ev.Confidence}
	for name, v := range scores {
		if math.IsNaN(v) || v < 0 || v > 100 {
			t.Errorf("%s = %v, want within 0..100", name, v)
		}
	}
	unit := map[string]float64{"completion": ev.Details.ProblemSolving.Completion, "progress": ev.Details.ProblemSolving.Progress,
		"speed": ev.Details.ProblemSolving.Speed, "dependency": ev.Details.AICollaboration.Dependency,
		"iteration": ev.Details.AICollaboration.Iteration, "evidence": ev.Details.Evidence}
	for name, v := range unit {
		if math.IsNaN(v) || v < 0 || v > 1 {
			t.Errorf("%s = %v, want within 0..1", name, v)
		}
	}
	if pq := ev.Details.AICollaboration.PromptQuality; math.IsNaN(pq) || pq < 0 || pq > 5 {
		t.Errorf("prompt quality %v, want within 0..5", pq)
	}
	if ev.Details.AICollaboration.Verified > ev.Details.AICollaboration.AIPastes {
		t.Errorf("verified %d > AI pastes %d", ev.Details.AICollaboration.Verified, ev.Details.AICollaboration.AIPastes)
	}
	if ev.AICollaborationScore != ev.Breakdown.AICollaboration {
		t.Errorf("aiCollaborationScore %v != breakdown %v", ev.AICollaborationScore, ev.Breakdown.AICollaboration)
	}
	if ev.RedFlags == nil || ev.GreenFlags == nil || ev.Details.Technical.Questions == nil || ev.Details.CodeQuality.Findings == nil {
		t.Errorf("nil slice in evaluation (encodes as null): %+v", ev)
	}
	known := map[int64]bool{}
	for _, e := range events {
		known[e.Position] = true
	}
	for _, f := range slices.Concat(ev.RedFlags, ev.GreenFlags) {
		if len(f.Evidence) == 0 {
			t.Errorf("flag %s has no evidence", f.Code)
		}
		for _, p := range f.Evidence {
			if !known[p] || p > ev.SubmittedPosition {
				t.Errorf("flag %s: evidence position %d is not an event read up to the submission at %d", f.Code, p, ev.SubmittedPosition)
			}
		}
	}
}

func evFindFlag(flags []Flag, code string) (Flag, bool) {
	for _, f := range flags {
		if f.Code == code {
			return f, true
		}
	}
	return Flag{}, false
}

// ---------------------------------------------------------------------------------------------
// 1. Technical.
// ---------------------------------------------------------------------------------------------

func TestEvaluateTechnical(t *testing.T) {
	tests := []struct {
		name       string
		steps      []evalStep
		want       float64
		wantHidden []int // HiddenFail per question
		wantPassed []int
	}{
		{"no questions", nil, 0, nil, nil},
		{"medium never run", []evalStep{evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10))}, 0, []int{0}, []int{0}},
		{"medium 3 of 4", []evalStep{
			evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)),
			evCand(60, evRun(evalQ1, 3, 4, 0)),
		}, 75, []int{0}, []int{3}},
		{"easy 4/4 and hard 0/4 weigh 1 and 3", []evalStep{
			evSys(0, evServed(evalQ1, DifficultyEasy, 4, 0, 10)),
			evCand(60, evRun(evalQ1, 4, 4, 0)),
			evSys(120, evServed(evalQ2, DifficultyHard, 4, 0, 10)),
			evCand(180, evRun(evalQ2, 0, 4, 0)),
		}, 25, []int{0, 0}, []int{4, 0}},
		{"easy 0/4 and hard 4/4", []evalStep{
			evSys(0, evServed(evalQ1, DifficultyEasy, 4, 0, 10)),
			evCand(60, evRun(evalQ1, 0, 4, 0)),
			evSys(120, evServed(evalQ2, DifficultyHard, 4, 0, 10)),
			evCand(180, evRun(evalQ2, 4, 4, 0)),
		}, 75, []int{0, 0}, []int{0, 4}},
		{"the last run counts, not an earlier better one", []evalStep{
			evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)),
			evCand(60, evRun(evalQ1, 4, 4, 0)),
			evCand(120, evRun(evalQ1, 1, 4, 0)),
		}, 25, []int{0}, []int{1}},
		{"the system's final run counts after the candidate's", []evalStep{
			evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)),
			evCand(60, evRun(evalQ1, 4, 4, 0)),
			evSys(120, evRun(evalQ1, 2, 4, 0)),
		}, 50, []int{0}, []int{2}},
		{"a hidden failing test is a failure", []evalStep{
			evSys(0, evServed(evalQ1, DifficultyMedium, 4, 1, 10)),
			evCand(60, evRun(evalQ1, 3, 4, 1)),
		}, 75, []int{1}, []int{3}},
		{"a hidden passing test is no hidden failure", []evalStep{
			evSys(0, evServed(evalQ1, DifficultyMedium, 4, 1, 10)),
			evCand(60, func() *TestRun {
				r := evRun(evalQ1, 3, 4, 0)
				r.Results[0].Hidden = true // passes; the failing last one is visible
				return r
			}()),
		}, 75, []int{0}, []int{3}},
		{"runs of an unknown question are ignored", []evalStep{
			evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)),
			evCand(60, evRun(evalQ2, 4, 4, 0)),
			evCand(70, evRun(uuid.Nil, 4, 4, 0)),
		}, 0, []int{0}, []int{0}},
		{"a question served twice counts once", []evalStep{
			evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)),
			evSys(5, evServed(evalQ1, DifficultyMedium, 4, 0, 10)),
			evCand(60, evRun(evalQ1, 2, 4, 0)),
		}, 50, []int{0}, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := evalBuild(t, evSession(tt.steps...)...)
			ev := evEvaluate(t, s, evFixedAnalyzer(70))
			if ev.Breakdown.Technical != tt.want {
				t.Errorf("technical = %v, want %v", ev.Breakdown.Technical, tt.want)
			}
			qs := ev.Details.Technical.Questions
			if len(qs) != len(tt.wantHidden) {
				t.Fatalf("%d question results, want %d", len(qs), len(tt.wantHidden))
			}
			for i, q := range qs {
				if q.HiddenFail != tt.wantHidden[i] || q.TestsPassed != tt.wantPassed[i] {
					t.Errorf("question %d: passed %d hidden failing %d, want %d and %d", i, q.TestsPassed, q.HiddenFail, tt.wantPassed[i], tt.wantHidden[i])
				}
				if q.Weight != difficultyWeight(q.Difficulty) {
					t.Errorf("question %d: weight %v for %s", i, q.Weight, q.Difficulty)
				}
			}
		})
	}
}

func TestQuestionResultFinalRunPosition(t *testing.T) {
	s := evalBuild(t, evSession(
		evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)).as("served"),
		evCand(60, evRun(evalQ1, 4, 4, 0)).as("first"),
		evCand(120, evRun(evalQ1, 3, 4, 0)).as("last"),
		evSys(0, evServed(evalQ2, DifficultyEasy, 2, 0, 10)),
	)...)
	ev := evEvaluate(t, s, evFixedAnalyzer(70))
	q := ev.Details.Technical.Questions[0]
	if q.FinalRunPosition != s.pos["last"] {
		t.Errorf("final run position %d, want %d", q.FinalRunPosition, s.pos["last"])
	}
	if q.SecondsToFirstPass != 60 {
		t.Errorf("seconds to first pass %d, want 60", q.SecondsToFirstPass)
	}
	if q.CandidateRuns != 2 {
		t.Errorf("candidate runs %d, want 2", q.CandidateRuns)
	}
	if q2 := ev.Details.Technical.Questions[1]; q2.FinalRunPosition != 0 || q2.SecondsToFirstPass != -1 {
		t.Errorf("never-run question: final run %d, first pass %d; want 0 and -1", q2.FinalRunPosition, q2.SecondsToFirstPass)
	}
}

// ---------------------------------------------------------------------------------------------
// 2. Problem solving.
// ---------------------------------------------------------------------------------------------

func TestEvaluateProblemSolving(t *testing.T) {
	served := evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)) // estimate 600 s
	tests := []struct {
		name  string
		steps []evalStep
		want  ProblemSolvingDetails
		score float64
	}{
		{"no questions", nil, ProblemSolvingDetails{}, 0},
		{"never run", []evalStep{served}, ProblemSolvingDetails{}, 0},
		{"complete within the estimate", []evalStep{served, evCand(600, evRun(evalQ1, 4, 4, 0))},
			ProblemSolvingDetails{Completion: 1, Progress: 1, Speed: 1}, 100},
		{"complete at twice the estimate", []evalStep{served, evCand(1200, evRun(evalQ1, 4, 4, 0))},
			ProblemSolvingDetails{Completion: 1, Progress: 1, Speed: 0.5}, 87.5},
		{"complete at three times the estimate", []evalStep{served, evCand(1800, evRun(evalQ1, 4, 4, 0))},
			ProblemSolvingDetails{Completion: 1, Progress: 1, Speed: 0}, 75},
		{"complete past three times the estimate", []evalStep{served, evCand(4000, evRun(evalQ1, 4, 4, 0))},
			ProblemSolvingDetails{Completion: 1, Progress: 1, Speed: 0}, 75},
		{"estimate under 5 minutes counts as 5", []evalStep{evSys(0, evServed(evalQ1, DifficultyEasy, 4, 0, 1)), evCand(300, evRun(evalQ1, 4, 4, 0))},
			ProblemSolvingDetails{Completion: 1, Progress: 1, Speed: 1}, 100},
		{"never passing: no speed, no completion", []evalStep{served, evCand(60, evRun(evalQ1, 2, 4, 0))},
			ProblemSolvingDetails{Completion: 0, Progress: 1, Speed: 0}, 25},
		// A first run passing nothing (the starter code) is where the candidate starts, not a step.
		{"forward 0→2→4", []evalStep{served,
			evCand(60, evRun(evalQ1, 0, 4, 0)), evCand(120, evRun(evalQ1, 2, 4, 0)), evCand(180, evRun(evalQ1, 4, 4, 0))},
			ProblemSolvingDetails{Completion: 1, Progress: 1, Speed: 1}, 100},
		{"forward 2→0→4: a later run passing nothing goes back", []evalStep{served,
			evCand(60, evRun(evalQ1, 2, 4, 0)), evCand(120, evRun(evalQ1, 0, 4, 0)), evCand(180, evRun(evalQ1, 4, 4, 0))},
			ProblemSolvingDetails{Completion: 1, Progress: 0.67, Speed: 1}, 91.8},
		{"forward 1→2→4", []evalStep{served,
			evCand(60, evRun(evalQ1, 1, 4, 0)), evCand(120, evRun(evalQ1, 2, 4, 0)), evCand(180, evRun(evalQ1, 4, 4, 0))},
			ProblemSolvingDetails{Completion: 1, Progress: 1, Speed: 1}, 100},
		{"regression 4→2", []evalStep{served,
			evCand(60, evRun(evalQ1, 4, 4, 0)), evCand(120, evRun(evalQ1, 2, 4, 0))},
			ProblemSolvingDetails{Completion: 0, Progress: 0.5, Speed: 1}, 37.5},
		{"system runs do not count as progress", []evalStep{served,
			evCand(60, evRun(evalQ1, 2, 4, 0)), evSys(120, evRun(evalQ1, 0, 4, 0)), evSys(130, evRun(evalQ1, 2, 4, 0))},
			ProblemSolvingDetails{Completion: 0, Progress: 1, Speed: 0}, 25},
		{"partial completion over two questions", []evalStep{served,
			evCand(600, evRun(evalQ1, 4, 4, 0)),
			evSys(600, evServed(evalQ2, DifficultyMedium, 4, 0, 10)),
			evCand(700, evRun(evalQ2, 1, 4, 0))},
			ProblemSolvingDetails{Completion: 0.5, Progress: 1, Speed: 0.5}, 62.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := evEvaluate(t, evalBuild(t, evSession(tt.steps...)...), evFixedAnalyzer(70))
			if ev.Details.ProblemSolving != tt.want {
				t.Errorf("details %+v, want %+v", ev.Details.ProblemSolving, tt.want)
			}
			if ev.Breakdown.ProblemSolving != tt.score {
				t.Errorf("problem solving %v, want %v", ev.Breakdown.ProblemSolving, tt.score)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------------
// 3. AI collaboration.
// ---------------------------------------------------------------------------------------------

func TestEvaluateAICollaboration(t *testing.T) {
	files := map[string]string{"main.py": evAICode + "print(two_sum([2, 7, 11], 9))\n"}
	// A run of the code the candidate pasted: it verifies the paste.
	run := func(sec float64) evalStep {
		return evCand(sec, &TestRun{RunID: uuid.New(), Language: "python", Code: files["main.py"], Passed: 1, Total: 1})
	}
	tests := []struct {
		name  string
		steps []evalStep
		check func(t *testing.T, d AICollaborationDetails, score float64)
	}{
		{"no turns", nil, func(t *testing.T, d AICollaborationDetails, score float64) {
			if score != 50 || d.Turns != 0 || d.PromptQuality != 0 || !d.Enabled {
				t.Errorf("score %v details %+v, want 50 and no turns", score, d)
			}
		}},
		{"excellent prompts building on answers, nothing pasted", []evalStep{
			evCand(10, evMsg(5, ReasonFirstQuestion)), evSys(20, evAnswer("Think about a map.")),
			evCand(30, evMsg(5, ReasonBuildsOn)), evSys(40, evAnswer("Yes, store the index.")),
			evCand(50, evMsg(5, ReasonBuildsOn)), evSys(60, evAnswer("Right.")),
		}, func(t *testing.T, d AICollaborationDetails, score float64) {
			want := AICollaborationDetails{Enabled: true, Turns: 3, PromptQuality: 5, Iteration: 1}
			if d != want || score != 100 {
				t.Errorf("score %v details %+v, want 100 and %+v", score, d, want)
			}
		}},
		{"poor prompts without follow-ups", []evalStep{
			evCand(10, evMsg(1)), evCand(30, evMsg(1, ReasonNoBuildsOn)), evCand(50, evMsg(1, ReasonNoBuildsOn)),
		}, func(t *testing.T, d AICollaborationDetails, score float64) {
			// 0 for prompts and iteration, full independence and verification: 45.
			if d.PromptQuality != 1 || d.Iteration != 0 || score != 45 {
				t.Errorf("score %v details %+v, want 45", score, d)
			}
		}},
		{"one turn: iteration is neutral", []evalStep{evCand(10, evMsg(3))}, func(t *testing.T, d AICollaborationDetails, score float64) {
			if d.Iteration != 0.5 || score != 100*(0.4*0.5+0.25+0.2+0.15*0.5) {
				t.Errorf("score %v details %+v", score, d)
			}
		}},
		{"the assistant's code inserted in bulk makes the final file", []evalStep{
			evCand(10, evMsg(5)), evSys(20, evAnswer(evAIAnswer)), evCand(30, evKeys(evAICode)),
		}, func(t *testing.T, d AICollaborationDetails, score float64) {
			if d.Dependency < 0.85 {
				t.Errorf("dependency %v, want close to 1", d.Dependency)
			}
			// prompts 40, independence 0, verification 20 (no paste event), iteration 7.5.
			if score != 67.5 {
				t.Errorf("score %v, want 67.5", score)
			}
		}},
		{"the same code typed without bulk inserts", []evalStep{
			evCand(10, evMsg(5)), evSys(20, evAnswer(evAIAnswer)), evCand(30, evKeys("d")), evCand(31, evKeys("e")),
		}, func(t *testing.T, d AICollaborationDetails, score float64) {
			if d.Dependency != 0 || score != 92.5 {
				t.Errorf("dependency %v score %v, want 0 and 92.5", d.Dependency, score)
			}
		}},
		{"bulk insert before the answer is not the assistant's", []evalStep{
			evCand(5, evKeys(evAICode)), evCand(10, evMsg(5)), evSys(20, evAnswer(evAIAnswer)),
		}, func(t *testing.T, d AICollaborationDetails, score float64) {
			if d.Dependency != 0 {
				t.Errorf("dependency %v, want 0", d.Dependency)
			}
		}},
		{"unrated messages, all the assistant's code, untested: 0, not below", []evalStep{
			evCand(10, evMsg(0)), evSys(20, evAnswer(evAIAnswer)), evCand(30, evPaste(evAICode)), evCand(30, evKeys(evAICode)),
			evCand(40, evMsg(0, ReasonNoBuildsOn)),
		}, func(t *testing.T, d AICollaborationDetails, score float64) {
			if d.AIPastes != 1 || d.Verified != 0 || d.Iteration != 0 || d.Dependency < 0.85 || score != 0 {
				t.Errorf("score %v details %+v, want 0", score, d)
			}
		}},
		{"AI paste followed by a candidate test run is verified", []evalStep{
			evCand(10, evMsg(4)), evSys(20, evAnswer(evAIAnswer)), evCand(30, evPaste(evAICode)), run(40),
		}, func(t *testing.T, d AICollaborationDetails, score float64) {
			if d.AIPastes != 1 || d.Verified != d.AIPastes {
				t.Errorf("AI pastes %d verified %d, want 1 and 1", d.AIPastes, d.Verified)
			}
		}},
		{"a run of other code does not verify the paste", []evalStep{
			evCand(10, evMsg(4)), evSys(20, evAnswer(evAIAnswer)), evCand(30, evPaste(evAICode)),
			evCand(40, &TestRun{RunID: uuid.New(), Language: "python", Code: "print('something else entirely')\n", Passed: 1, Total: 1}),
		}, func(t *testing.T, d AICollaborationDetails, score float64) {
			if d.AIPastes != 1 || d.Verified != 0 {
				t.Errorf("AI pastes %d verified %d, want 1 and 0", d.AIPastes, d.Verified)
			}
		}},
		{"AI paste followed only by a system run is not verified", []evalStep{
			evCand(10, evMsg(4)), evSys(20, evAnswer(evAIAnswer)), evCand(30, evPaste(evAICode)),
			evSys(40, &TestRun{RunID: uuid.New(), Passed: 1, Total: 1}),
		}, func(t *testing.T, d AICollaborationDetails, score float64) {
			if d.AIPastes != 1 || d.Verified != 0 {
				t.Errorf("AI pastes %d verified %d, want 1 and 0", d.AIPastes, d.Verified)
			}
		}},
		{"a run before the paste does not verify it", []evalStep{
			evCand(10, evMsg(4)), evSys(20, evAnswer(evAIAnswer)), run(25), evCand(30, evPaste(evAICode)),
		}, func(t *testing.T, d AICollaborationDetails, score float64) {
			if d.AIPastes != 1 || d.Verified != 0 {
				t.Errorf("AI pastes %d verified %d, want 1 and 0", d.AIPastes, d.Verified)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := evEvaluate(t, evalBuild(t, evSessionWith(evSettings(true, nil), files, tt.steps...)...), evFixedAnalyzer(70))
			tt.check(t, ev.Details.AICollaboration, ev.Breakdown.AICollaboration)
		})
	}
}

func TestEvaluateCost(t *testing.T) {
	s := evalBuild(t, evSession(evCand(10, evMsg(3)), evSys(20, evAnswer("a")), evCand(30, evMsg(3)), evSys(40, evAnswer("b")))...)
	ev := evEvaluate(t, s, evFixedAnalyzer(70))
	want := CostDetails{InputTokens: 200, OutputTokens: 100, USD: 0.002}
	if ev.Details.Cost != want {
		t.Errorf("cost %+v, want %+v", ev.Details.Cost, want)
	}
}

// ---------------------------------------------------------------------------------------------
// 4. Overall score, recommendation and configuration.
// ---------------------------------------------------------------------------------------------

func TestRecommendThresholds(t *testing.T) {
	th := DefaultScoringConfig().Thresholds
	tests := []struct {
		score float64
		want  Recommendation
	}{
		{100, RecommendStrongYes}, {85, RecommendStrongYes}, {84.9, RecommendYes},
		{70, RecommendYes}, {69.9, RecommendMaybe}, {55, RecommendMaybe}, {54.9, RecommendNo},
		{40, RecommendNo}, {39.9, RecommendStrongNo}, {0, RecommendStrongNo},
	}
	for _, tt := range tests {
		if got := th.Recommend(tt.score); got != tt.want {
			t.Errorf("Recommend(%v) = %s, want %s", tt.score, got, tt.want)
		}
	}
}

// An overall score made of code quality alone equals the analyzer's score, so the thresholds can
// be hit exactly through Evaluate.
func TestEvaluateRecommendationThroughConfig(t *testing.T) {
	cfg := DefaultScoringConfig()
	cfg.Weights = ScoringWeights{CodeQuality: 1}
	custom := cfg
	custom.Thresholds = RecommendationThresholds{StrongYes: 90, Yes: 80, Maybe: 60, No: 30}
	tests := []struct {
		cfg   ScoringConfig
		score float64
		want  Recommendation
	}{
		{cfg, 85, RecommendStrongYes}, {cfg, 84.9, RecommendYes}, {cfg, 70, RecommendYes}, {cfg, 69.9, RecommendMaybe},
		{cfg, 55, RecommendMaybe}, {cfg, 54.9, RecommendNo}, {cfg, 40, RecommendNo}, {cfg, 39.9, RecommendStrongNo},
		{custom, 89.9, RecommendYes}, {custom, 90, RecommendStrongYes}, {custom, 30, RecommendNo}, {custom, 29.9, RecommendStrongNo},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.cfg.Thresholds.StrongYes, "/", tt.score), func(t *testing.T) {
			c := tt.cfg
			ev := evEvaluate(t, evalBuild(t, evSessionWith(evSettings(true, &c), nil)...), evFixedAnalyzer(tt.score))
			if ev.OverallScore != tt.score || ev.Recommendation != tt.want {
				t.Errorf("overall %v %s, want %v %s", ev.OverallScore, ev.Recommendation, tt.score, tt.want)
			}
			if !reflect.DeepEqual(ev.Config, c) {
				t.Errorf("config %+v, want the interview's %+v", ev.Config, c)
			}
		})
	}
}

func TestEvaluateOverallWeights(t *testing.T) {
	// Technical 100, problem solving 100, code quality 80 and no AI turns (shown as 50, weighed
	// as nothing: the candidate did not use the assistant, so there is nothing to judge).
	steps := []evalStep{evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)), evCand(300, evRun(evalQ1, 4, 4, 0))}
	custom := DefaultScoringConfig()
	custom.Weights = ScoringWeights{Technical: 1, CodeQuality: 3}
	aiOnly := DefaultScoringConfig()
	aiOnly.Weights = ScoringWeights{AICollaboration: 1}
	tests := []struct {
		name     string
		settings AssessmentSettings
		want     float64
	}{
		{"default weights, the assistant unused", evSettings(true, nil), 95},
		{"the assistant's weight is dropped without it", evSettings(false, nil), 95},
		{"custom weights", evSettings(true, &custom), 85},
		{"custom weights without the assistant ignore its score", evSettings(false, &custom), 85},
		{"only the assistant's weight, assistant off: the defaults without it", evSettings(false, &aiOnly), 95},
		{"only the assistant's weight, unused: the defaults without it", evSettings(true, &aiOnly), 95},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := evEvaluate(t, evalBuild(t, evSessionWith(tt.settings, nil, steps...)...), evFixedAnalyzer(80))
			if ev.Breakdown != (ScoreBreakdown{Technical: 100, CodeQuality: 80, ProblemSolving: 100, AICollaboration: 50}) {
				t.Fatalf("breakdown %+v", ev.Breakdown)
			}
			if ev.OverallScore != tt.want {
				t.Errorf("overall %v, want %v", ev.OverallScore, tt.want)
			}
			if ev.Details.AICollaboration.Enabled != tt.settings.EnableAI {
				t.Errorf("AI enabled %v, want %v", ev.Details.AICollaboration.Enabled, tt.settings.EnableAI)
			}
		})
	}
}

func TestEvaluateConfidence(t *testing.T) {
	// A short interview with little to judge is less certain than a long one with runs, turns
	// and code, and a score on a threshold is less certain than one between thresholds.
	short := evEvaluate(t, evalBuild(t, evSession(evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)))...), evFixedAnalyzer(70))
	var long []evalStep
	long = append(long, evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)))
	for i := range 4 {
		long = append(long, evCand(float64(100+i*200), evMsg(4)), evCand(float64(200+i*200), evRun(evalQ1, i+1, 4, 0)))
	}
	long = append(long, evCand(900, evKeys("# done"))) // 15 minutes in all
	full := evEvaluate(t, evalBuild(t, evSession(long...)...), func(string, map[string]string) CodeQualityResult {
		return CodeQualityResult{Analyzed: true, Score: 77, CodeLines: 40}
	})
	if full.Details.Evidence != 1 {
		t.Errorf("evidence %v, want 1", full.Details.Evidence)
	}
	if short.Confidence >= full.Confidence {
		t.Errorf("confidence short %v >= full %v", short.Confidence, full.Confidence)
	}
	cfg := DefaultScoringConfig()
	cfg.Weights = ScoringWeights{CodeQuality: 1}
	at := evEvaluate(t, evalBuild(t, evSessionWith(evSettings(false, &cfg), nil, long...)...), evFixedAnalyzer(70))
	between := evEvaluate(t, evalBuild(t, evSessionWith(evSettings(false, &cfg), nil, long...)...), evFixedAnalyzer(77.5))
	if at.Confidence != 50 || between.Confidence != 100 {
		t.Errorf("confidence on a threshold %v, between thresholds %v; want 50 and 100", at.Confidence, between.Confidence)
	}
}

func TestScoringConfigValidate(t *testing.T) {
	if err := DefaultScoringConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	tests := []struct {
		name   string
		modify func(*ScoringConfig)
		field  string // "" when valid
	}{
		{"only one weight", func(c *ScoringConfig) { c.Weights = ScoringWeights{Technical: 1} }, ""},
		{"weights need not sum to 1", func(c *ScoringConfig) {
			c.Weights = ScoringWeights{Technical: 4, CodeQuality: 2, ProblemSolving: 2, AICollaboration: 2}
		}, ""},
		{"negative weight", func(c *ScoringConfig) { c.Weights.CodeQuality = -0.1 }, "scoring.weights.codeQuality"},
		{"NaN weight", func(c *ScoringConfig) { c.Weights.Technical = math.NaN() }, "scoring.weights.technical"},
		{"weight above 100", func(c *ScoringConfig) { c.Weights.AICollaboration = 101 }, "scoring.weights.aiCollaboration"},
		{"all-zero weights", func(c *ScoringConfig) { c.Weights = ScoringWeights{} }, "scoring.weights"},
		{"equal thresholds", func(c *ScoringConfig) { c.Thresholds.Yes = c.Thresholds.StrongYes }, "scoring.thresholds"},
		{"increasing thresholds", func(c *ScoringConfig) { c.Thresholds.Maybe = 75 }, "scoring.thresholds"},
		{"maybe equal to no", func(c *ScoringConfig) { c.Thresholds.No = c.Thresholds.Maybe }, "scoring.thresholds"},
		{"threshold above 100", func(c *ScoringConfig) { c.Thresholds.StrongYes = 101 }, "scoring.thresholds"},
		{"negative threshold", func(c *ScoringConfig) { c.Thresholds.No = -1 }, "scoring.thresholds"},
		{"NaN threshold", func(c *ScoringConfig) { c.Thresholds.Maybe = math.NaN() }, "scoring.thresholds"},
		{"thresholds at the bounds", func(c *ScoringConfig) { c.Thresholds = RecommendationThresholds{100, 50, 1, 0} }, ""},
		{"low prompt threshold equal to good", func(c *ScoringConfig) { c.Flags.LowPromptQuality = c.Flags.GoodPromptQuality }, "scoring.flags"},
		{"low prompt threshold above good", func(c *ScoringConfig) { c.Flags.LowPromptQuality, c.Flags.GoodPromptQuality = 4, 3 }, "scoring.flags"},
		{"good prompt threshold above 5", func(c *ScoringConfig) { c.Flags.GoodPromptQuality = 5.5 }, "scoring.flags"},
		{"low prompt threshold below 1", func(c *ScoringConfig) { c.Flags.LowPromptQuality = 0.5 }, "scoring.flags"},
		{"zero paste lines", func(c *ScoringConfig) { c.Flags.LargePasteLines = 0 }, "scoring.flags.largePasteLines"},
		{"zero min prompts", func(c *ScoringConfig) { c.Flags.MinPrompts = 0 }, "scoring.flags.minPrompts"},
		{"efficient code quality above 100", func(c *ScoringConfig) { c.Flags.EfficientCodeQuality = 101 }, "scoring.flags.efficientCodeQuality"},
		{"NaN efficient code quality", func(c *ScoringConfig) { c.Flags.EfficientCodeQuality = math.NaN() }, "scoring.flags.efficientCodeQuality"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultScoringConfig()
			tt.modify(&c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *ValidationError on %s", err, tt.field)
			}
			if ve.Field != tt.field {
				t.Errorf("field %q, want %q", ve.Field, tt.field)
			}
		})
	}
}

// With several bad fields, Validate names the same one every time.
func TestScoringConfigValidateIsDeterministic(t *testing.T) {
	c := DefaultScoringConfig()
	c.Weights = ScoringWeights{Technical: -1, CodeQuality: -1, ProblemSolving: -1, AICollaboration: -1}
	c.Flags.LargePasteLines, c.Flags.BurstChars, c.Flags.MinPrompts = 0, 0, 0
	first := c.Validate().Error()
	for range 50 {
		if got := c.Validate().Error(); got != first {
			t.Fatalf("Validate said %q, then %q", first, got)
		}
	}
}

func TestScoringConfigRoundTripsThroughSettings(t *testing.T) {
	cfg := DefaultScoringConfig()
	cfg.Flags.MinPrompts = 7
	data, err := json.Marshal(evSettings(true, &cfg))
	if err != nil {
		t.Fatal(err)
	}
	var back AssessmentSettings
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Scoring == nil || *back.Scoring != cfg {
		t.Errorf("round trip gave %+v, want %+v", back.Scoring, cfg)
	}
}

// ---------------------------------------------------------------------------------------------
// 5. Flags.
// ---------------------------------------------------------------------------------------------

type evalFlagCase struct {
	name     string
	steps    []evalStep
	settings *AssessmentSettings // nil: the assistant on, default scoring
	cq       float64             // 0 means 70
	want     bool
	evidence []string // marks of the expected evidence, in order, when want
}

func runFlagCases(t *testing.T, code string, red bool, cases []evalFlagCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			settings := evSettings(true, nil)
			if tt.settings != nil {
				settings = *tt.settings
			}
			cq := tt.cq
			if cq == 0 {
				cq = 70
			}
			s := evalBuild(t, evSessionWith(settings, nil, tt.steps...)...)
			ev := evEvaluate(t, s, evFixedAnalyzer(cq))
			own, other := ev.GreenFlags, ev.RedFlags
			if red {
				own, other = other, own
			}
			if _, wrong := evFindFlag(other, code); wrong {
				t.Errorf("%s is in the wrong list", code)
			}
			f, got := evFindFlag(own, code)
			if got != tt.want {
				t.Fatalf("flag %s raised = %v, want %v (red %v, green %v)", code, got, tt.want, ev.RedFlags, ev.GreenFlags)
			}
			if got {
				if want := s.positions(tt.evidence...); !slices.Equal(f.Evidence, want) {
					t.Errorf("evidence %v, want %v", f.Evidence, want)
				}
				if f.Message == "" {
					t.Errorf("flag %s has no message", code)
				}
			}
		})
	}
}

func TestFlagLargeUntracedPaste(t *testing.T) {
	eight, seven := evLines(8), evLines(7)
	if len(seven) >= 400 || len(eight) >= 400 {
		t.Fatalf("test texts must stay under the character threshold")
	}
	fenced := "```python\n" + eight + "```"
	question := evServed(evalQ1, DifficultyMedium, 4, 0, 10)
	question.Description = "Use this helper table:\n" + eight
	long := strings.Repeat("a", 400)
	runFlagCases(t, FlagLargeUntracedPaste, true, []evalFlagCase{
		{"eight lines from nowhere", []evalStep{evCand(30, evPaste(eight)).as("paste")}, nil, 0, true, []string{"paste"}},
		{"seven lines under the character threshold", []evalStep{evCand(30, evPaste(seven))}, nil, 0, false, nil},
		{"400 characters on one line", []evalStep{evCand(30, evPaste(long)).as("paste")}, nil, 0, true, []string{"paste"}},
		{"399 characters on one line", []evalStep{evCand(30, evPaste(long[1:]))}, nil, 0, false, nil},
		{"the assistant's code block", []evalStep{evSys(10, evAnswer(fenced)), evCand(30, evPaste(eight))}, nil, 0, false, nil},
		{"the assistant answers only after the paste", []evalStep{evCand(10, evPaste(eight)).as("paste"), evSys(30, evAnswer(fenced))}, nil, 0, true, []string{"paste"}},
		{"copied earlier in the session", []evalStep{evCand(10, &Copy{Text: "header\n" + eight + "footer"}), evCand(30, evPaste(eight))}, nil, 0, false, nil},
		{"copied only after the paste", []evalStep{evCand(10, evPaste(eight)).as("paste"), evCand(30, &Copy{Text: eight})}, nil, 0, true, []string{"paste"}},
		{"from the question", []evalStep{evSys(0, question), evCand(30, evPaste(eight))}, nil, 0, false, nil},
		{"five of eight lines from the assistant", []evalStep{evSys(10, evAnswer("```\n"+evLines(5)+"```")),
			evCand(30, evPaste(evLines(5)+"extra_alpha = 1\nextra_beta = 2\nextra_gamma = 3\n"))}, nil, 0, false, nil},
		{"four of eight lines from the assistant", []evalStep{evSys(10, evAnswer("```\n"+evLines(4)+"```")),
			evCand(30, evPaste(evLines(4)+"extra_alpha = 1\nextra_beta = 2\nextra_gamma = 3\nextra_delta = 4\n")).as("paste")}, nil, 0, true, []string{"paste"}},
		{"two pastes", []evalStep{evCand(10, evPaste(eight)).as("p1"), evCand(20, evPaste(seven)), evCand(30, evPaste(evLines(9))).as("p2")}, nil, 0, true, []string{"p1", "p2"}},
	})
}

func TestFlagFocusLossThenBurst(t *testing.T) {
	burst := strings.Repeat("a", 297) + "\n\n\n" // 300 characters, 3 newlines
	half := strings.Repeat("b", 148) + "\n\n"    // 150 characters, 2 newlines
	away := func(awaySec, burstAfterSec float64, text string) []evalStep {
		return []evalStep{
			evCand(100, evFocus(false)).as("lost"),
			evCand(100+awaySec, evFocus(true)).as("back"),
			evCand(100+awaySec+burstAfterSec, evKeys(text)).as("burst"),
		}
	}
	runFlagCases(t, FlagFocusLossBurst, true, []evalFlagCase{
		{"away 30 s, burst at once", away(30, 5, burst), nil, 0, true, []string{"lost", "back", "burst"}},
		{"away 29 s", away(29, 5, burst), nil, 0, false, nil},
		{"burst 90 s after", away(30, 90, burst), nil, 0, true, []string{"lost", "back", "burst"}},
		{"burst 91 s after", away(30, 91, burst), nil, 0, false, nil},
		{"299 characters", away(60, 5, burst[1:]), nil, 0, false, nil},
		{"two newlines", away(60, 5, strings.Repeat("a", 298)+"\n\n"), nil, 0, false, nil},
		{"a burst in two inserts", append(away(60, 5, half), evCand(170, evKeys(half))), nil, 0, true, []string{"lost", "back", "burst"}},
		{"the burst came before leaving", []evalStep{
			evCand(90, evKeys(burst)), evCand(100, evFocus(false)), evCand(200, evFocus(true)),
		}, nil, 0, false, nil},
		{"never came back", []evalStep{evCand(100, evFocus(false)), evCand(200, evKeys(burst))}, nil, 0, false, nil},
		{"a repeated focus loss keeps the first", []evalStep{
			evCand(100, evFocus(false)).as("lost"), evCand(115, evFocus(false)), evCand(130, evFocus(true)).as("back"),
			evCand(135, evKeys(burst)).as("burst"),
		}, nil, 0, true, []string{"lost", "back", "burst"}},
	})
}

func TestFlagUntestedAICode(t *testing.T) {
	twoLines := "def two_sum(nums, target):\n    seen = {}\n"
	run := func(sec float64) evalStep {
		r := evRun(evalQ1, 1, 4, 0)
		r.Code = evAICode + twoLines // what the candidate pasted is what ran
		return evCand(sec, r)
	}
	served := evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10))
	runFlagCases(t, FlagUntestedAICode, true, []evalFlagCase{
		{"pasted, never tested", []evalStep{evSys(10, evAnswer(evAIAnswer)), evCand(20, evPaste(evAICode)).as("paste")}, nil, 0, true, []string{"paste"}},
		{"pasted, then tested", []evalStep{served, evSys(10, evAnswer(evAIAnswer)), evCand(20, evPaste(evAICode)), run(30)}, nil, 0, false, nil},
		{"two lines pasted are not substance", []evalStep{evSys(10, evAnswer(evAIAnswer)), evCand(20, evPaste(twoLines))}, nil, 0, false, nil},
		{"tested the first paste, not the second", []evalStep{served, evSys(10, evAnswer(evAIAnswer)),
			evCand(20, evPaste(evAICode)), run(30), evCand(40, evPaste(evAICode)).as("second")}, nil, 0, true, []string{"second"}},
	})
	runFlagCases(t, FlagVerifiedAI, false, []evalFlagCase{
		{"every AI paste tested", []evalStep{served, evSys(10, evAnswer(evAIAnswer)), evCand(20, evPaste(evAICode)).as("p1"), run(30),
			evCand(40, evPaste(twoLines)).as("p2"), run(50)}, nil, 0, true, []string{"p1", "p2"}},
		{"one AI paste untested", []evalStep{served, evSys(10, evAnswer(evAIAnswer)), evCand(20, evPaste(evAICode)), run(30),
			evCand(40, evPaste(twoLines))}, nil, 0, false, nil},
		{"no AI paste", []evalStep{served, run(30)}, nil, 0, false, nil},
	})
}

func TestFlagPromptQuality(t *testing.T) {
	msgs := func(qs ...int) []evalStep {
		var out []evalStep
		for i, q := range qs {
			out = append(out, evCand(float64(10+10*i), evMsg(q)).as(fmt.Sprint("m", i)))
		}
		return out
	}
	runFlagCases(t, FlagLowPromptQuality, true, []evalFlagCase{
		{"three at 2", msgs(2, 2, 2), nil, 0, true, []string{"m0", "m1", "m2"}},
		{"mean exactly 2", msgs(1, 2, 3), nil, 0, true, []string{"m0", "m1"}},
		{"mean 2.33", msgs(2, 2, 3), nil, 0, false, nil},
		{"two poor prompts are too few", msgs(1, 1), nil, 0, false, nil},
	})
	runFlagCases(t, FlagGoodPrompts, false, []evalFlagCase{
		{"mean exactly 4", msgs(3, 4, 5), nil, 0, true, []string{"m1", "m2"}},
		{"mean 3.67", msgs(3, 4, 4), nil, 0, false, nil},
		{"two excellent prompts are too few", msgs(5, 5), nil, 0, false, nil},
		{"four excellent", msgs(5, 5, 5, 5), nil, 0, true, []string{"m0", "m1", "m2", "m3"}},
	})
}

func TestFlagFinalRuns(t *testing.T) {
	served := evSys(0, evServed(evalQ1, DifficultyMedium, 4, 1, 10)).as("served")
	served2 := evSys(0, evServed(evalQ2, DifficultyEasy, 2, 0, 10)).as("served2")
	runFlagCases(t, FlagHiddenTestsFailing, true, []evalFlagCase{
		{"the final run fails a hidden test", []evalStep{served, evCand(60, evRun(evalQ1, 3, 4, 1)).as("run")}, nil, 0, true, []string{"run"}},
		{"an earlier run failed it", []evalStep{served, evCand(60, evRun(evalQ1, 3, 4, 1)), evCand(90, evRun(evalQ1, 4, 4, 0))}, nil, 0, false, nil},
		{"only visible failures", []evalStep{served, evCand(60, evRun(evalQ1, 2, 4, 0))}, nil, 0, false, nil},
	})
	runFlagCases(t, FlagUnfinished, true, []evalFlagCase{
		{"2 of 4, a visible one failing", []evalStep{served, evCand(60, evRun(evalQ1, 2, 4, 1)).as("run")}, nil, 0, true, []string{"run"}},
		{"3 of 4, only a hidden one failing: its own flag", []evalStep{served, evCand(60, evRun(evalQ1, 3, 4, 1))}, nil, 0, false, nil},
		{"never run points at the question", []evalStep{served, evCand(60, evRun(evalQ1, 4, 4, 0)), served2}, nil, 0, true, []string{"served2"}},
		{"all passed", []evalStep{served, evCand(60, evRun(evalQ1, 4, 4, 0))}, nil, 0, false, nil},
		{"no questions", nil, nil, 0, false, nil},
	})
	runFlagCases(t, FlagTestDriven, false, []evalFlagCase{
		{"1→2→4", []evalStep{served, evCand(60, evRun(evalQ1, 1, 4, 0)).as("r1"), evCand(90, evRun(evalQ1, 2, 4, 0)).as("r2"),
			evCand(120, evRun(evalQ1, 4, 4, 0)).as("r3")}, nil, 0, true, []string{"r1", "r2", "r3"}},
		{"2→4", []evalStep{served, evCand(60, evRun(evalQ1, 2, 4, 0)).as("r1"), evCand(90, evRun(evalQ1, 4, 4, 0)).as("r2")}, nil, 0, true, []string{"r1", "r2"}},
		{"0→4 is one step", []evalStep{served, evCand(60, evRun(evalQ1, 0, 4, 0)), evCand(90, evRun(evalQ1, 4, 4, 0))}, nil, 0, false, nil},
		{"forward but unfinished", []evalStep{served, evCand(60, evRun(evalQ1, 1, 4, 0)), evCand(90, evRun(evalQ1, 3, 4, 0))}, nil, 0, false, nil},
		{"forward but the final system run fails", []evalStep{served, evCand(60, evRun(evalQ1, 1, 4, 0)), evCand(90, evRun(evalQ1, 4, 4, 0)),
			evSys(120, evRun(evalQ1, 3, 4, 0))}, nil, 0, false, nil},
		{"system runs do not count", []evalStep{served, evSys(60, evRun(evalQ1, 1, 4, 0)), evSys(90, evRun(evalQ1, 4, 4, 0))}, nil, 0, false, nil},
	})
	runFlagCases(t, FlagEfficientSolving, false, []evalFlagCase{
		{"within the estimate, quality 80", []evalStep{served, evCand(600, evRun(evalQ1, 4, 4, 0)).as("run")}, nil, 80, true, []string{"run"}},
		{"within the estimate, quality 79.9", []evalStep{served, evCand(600, evRun(evalQ1, 4, 4, 0))}, nil, 79.9, false, nil},
		{"one second over the estimate", []evalStep{served, evCand(601, evRun(evalQ1, 4, 4, 0))}, nil, 80, false, nil},
		{"passed in time, then broke it", []evalStep{served, evCand(300, evRun(evalQ1, 4, 4, 0)), evCand(400, evRun(evalQ1, 3, 4, 0))}, nil, 90, false, nil},
		{"two questions in time", []evalStep{served, evCand(300, evRun(evalQ1, 4, 4, 0)).as("r1"), served2,
			evCand(400, evRun(evalQ2, 2, 2, 0)).as("r2")}, nil, 90, true, []string{"r1", "r2"}},
		{"one of two unfinished", []evalStep{served, evCand(300, evRun(evalQ1, 4, 4, 0)), served2}, nil, 90, false, nil},
		{"no questions", nil, nil, 100, false, nil},
	})
}

// ---------------------------------------------------------------------------------------------
// 6. Errors and the end of the interview.
// ---------------------------------------------------------------------------------------------

func TestEvaluateErrors(t *testing.T) {
	served := evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10))
	tests := []struct {
		name  string
		steps []evalStep
		is    error // nil: any error
	}{
		{"no events", nil, nil},
		{"no interview_started", []evalStep{served, evSubmitted(10, nil)}, nil},
		{"not submitted", []evalStep{evStarted(evSettings(true, nil)), served, evCand(60, evRun(evalQ1, 1, 4, 0))}, ErrNotSubmitted},
		{"started only", []evalStep{evStarted(evSettings(true, nil))}, ErrNotSubmitted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []RecordedEvent
			if len(tt.steps) > 0 {
				events = evalBuild(t, tt.steps...).events
			}
			_, err := Evaluate(events, evFixedAnalyzer(70))
			if err == nil {
				t.Fatal("Evaluate succeeded, want an error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
			if tt.is == nil && errors.Is(err, ErrNotSubmitted) {
				t.Errorf("error %v: a stream without its start is not merely unsubmitted", err)
			}
		})
	}
	t.Run("undecodable event", func(t *testing.T) {
		s := evalBuild(t, evSession(served)...)
		s.events[1].Data = []byte(`{"questionId": 7}`)
		if _, err := Evaluate(s.events, nil); err == nil {
			t.Error("Evaluate accepted an undecodable event")
		}
	})
}

func TestEvaluateIgnoresEventsAfterSubmission(t *testing.T) {
	steps := evSession(
		evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)),
		evCand(60, evRun(evalQ1, 2, 4, 0)),
		evCand(70, evMsg(2)),
	)
	before := evEvaluate(t, evalBuild(t, steps...), evFixedAnalyzer(70))
	later := append(slices.Clone(steps),
		evCand(200, evRun(evalQ1, 4, 4, 0)),
		evCand(210, evMsg(5, ReasonBuildsOn)),
		evCand(220, evPaste(evLines(20))),
		evCand(230, evFocus(false)), evCand(300, evFocus(true)), evCand(301, evKeys(strings.Repeat("x\n", 200))),
		evSys(400, evServed(evalQ2, DifficultyHard, 4, 0, 10)),
		evCand(500, &InterviewSubmitted{FinalFiles: map[string]string{"other.py": "x = 1\n"}}),
	)
	after := evEvaluate(t, evalBuild(t, later...), evFixedAnalyzer(70))
	a, _ := json.Marshal(before)
	b, _ := json.Marshal(after)
	if string(a) != string(b) {
		t.Errorf("events after the submission changed the evaluation:\n%s\n%s", a, b)
	}
	if before.SubmittedPosition != 1005 || !before.SubmittedAt.Equal(evalT0.Add(80*time.Second)) {
		t.Errorf("submitted at %d %v", before.SubmittedPosition, before.SubmittedAt)
	}
}

func TestEvaluateSkipsCursorEvents(t *testing.T) {
	steps := evSession(evSys(0, evServed(evalQ1, DifficultyMedium, 4, 0, 10)), evCand(60, evRun(evalQ1, 2, 4, 0)))
	with := slices.Insert(slices.Clone(steps), 2, evCand(30, &Cursor{FileID: "f", Line: 1, Column: 1}))
	a := evEvaluate(t, evalBuild(t, steps...), evFixedAnalyzer(70))
	b := evEvaluate(t, evalBuild(t, with...), evFixedAnalyzer(70))
	if a.Breakdown != b.Breakdown || a.OverallScore != b.OverallScore {
		t.Errorf("a cursor event changed the scores: %+v vs %+v", a.Breakdown, b.Breakdown)
	}
}

// ---------------------------------------------------------------------------------------------
// 7. Determinism.
// ---------------------------------------------------------------------------------------------

func evRichSession(files map[string]string) []evalStep {
	return evSessionWith(evSettings(true, nil), files,
		evSys(0, evServed(evalQ1, DifficultyMedium, 4, 1, 10)),
		evCand(10, evMsg(4, ReasonFirstQuestion)), evSys(20, evAnswer(evAIAnswer)),
		evCand(30, evPaste(evAICode)), evCand(31, evKeys(evAICode)),
		evCand(40, evRun(evalQ1, 2, 4, 1)),
		evCand(50, evFocus(false)), evCand(100, evFocus(true)), evCand(110, evKeys(strings.Repeat("y", 400)+"\n\n\n")),
		evCand(120, evPaste(evLines(10))),
		evCand(130, evMsg(2, ReasonBuildsOn)), evSys(140, evAnswer("```\n"+evLines(3)+"```")),
		evCand(150, evRun(evalQ1, 4, 4, 0)),
		evSys(160, evServed(evalQ2, DifficultyHard, 3, 0, 5)),
		evCand(170, evRun(evalQ2, 1, 3, 0)),
		evCand(180, evMsg(5, ReasonBuildsOn)),
	)
}

func TestEvaluateIsDeterministic(t *testing.T) {
	s := evalBuild(t, evRichSession(nil)...)
	first := evEvaluate(t, s, evFixedAnalyzer(72.25))
	a, _ := json.Marshal(first)
	for range 20 {
		b, _ := json.Marshal(evEvaluate(t, s, evFixedAnalyzer(72.25)))
		if string(a) != string(b) {
			t.Fatalf("two evaluations differ:\n%s\n%s", a, b)
		}
	}
	if len(first.RedFlags) == 0 || len(first.GreenFlags) == 0 {
		t.Errorf("the rich session should raise flags of both colours: red %v green %v", first.RedFlags, first.GreenFlags)
	}
}

func TestEvaluateFinalFilesOrder(t *testing.T) {
	names := make([]string, 40)
	for i := range names {
		names[i] = fmt.Sprintf("pkg%02d/mod_%d.py", i%7, i)
	}
	content := func(i int) string {
		if i%3 == 0 {
			return evAICode
		}
		return fmt.Sprintf("def helper_%d(values):\n    return sum(values) + %d\n", i, i)
	}
	forward, backward := map[string]string{}, map[string]string{}
	for i, n := range names {
		forward[n] = content(i)
	}
	for i := len(names) - 1; i >= 0; i-- {
		backward[names[i]] = content(i)
	}
	forward["README.md"], backward["README.md"] = "notes", "notes"
	// The analyzer sees a map; this one measures it in an order-free way.
	analyze := func(lang string, files map[string]string) CodeQualityResult {
		lines := 0
		for _, c := range files {
			lines += strings.Count(c, "\n")
		}
		return CodeQualityResult{Analyzed: true, Score: 75, Language: lang, Files: len(files), CodeLines: lines}
	}
	a := evEvaluate(t, evalBuild(t, evRichSession(forward)...), analyze)
	b := evEvaluate(t, evalBuild(t, evRichSession(backward)...), analyze)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("file order changed the evaluation:\n%s\n%s", ja, jb)
	}
	if a.Details.CodeQuality.Files != 40 {
		t.Errorf("analyzer saw %d files, want the 40 Python ones", a.Details.CodeQuality.Files)
	}
	if a.Details.AICollaboration.Dependency == 0 {
		t.Errorf("dependency 0, want the assistant's lines counted in every file")
	}
}

func TestFinalCodeLanguage(t *testing.T) {
	tests := []struct {
		name     string
		language string
		files    map[string]string
		want     []string
	}{
		{"by extension", "python", map[string]string{"a.py": "x", "b.js": "y", "c.txt": "z"}, []string{"a.py"}},
		{"none with the extension: all", "go", map[string]string{"a.py": "x", "b.js": "y"}, []string{"a.py", "b.js"}},
		{"unknown language: all", "rust", map[string]string{"a.rs": "x", "b.py": "y"}, []string{"a.rs", "b.py"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var saw []string
			analyze := func(lang string, files map[string]string) CodeQualityResult {
				if lang != tt.language {
					t.Errorf("language %q, want %q", lang, tt.language)
				}
				saw = slices.Sorted(maps.Keys(files))
				return CodeQualityResult{Analyzed: true, Score: 50}
			}
			settings := evSettings(true, nil)
			settings.Language = tt.language
			evEvaluate(t, evalBuild(t, evSessionWith(settings, tt.files)...), analyze)
			if !slices.Equal(saw, tt.want) {
				t.Errorf("analyzed %v, want %v", saw, tt.want)
			}
		})
	}
	t.Run("no files: no analysis", func(t *testing.T) {
		called := false
		ev := evEvaluate(t, evalBuild(t, evSessionWith(evSettings(true, nil), map[string]string{})...),
			func(string, map[string]string) CodeQualityResult { called = true; return CodeQualityResult{Score: 99} })
		if called || ev.Breakdown.CodeQuality != 0 || ev.Details.CodeQuality.Analyzed {
			t.Errorf("analyzer called %v, code quality %v", called, ev.Breakdown.CodeQuality)
		}
	})
	t.Run("nil analyzer", func(t *testing.T) {
		ev := evEvaluate(t, evalBuild(t, evSession()...), nil)
		if ev.Breakdown.CodeQuality != 0 {
			t.Errorf("code quality %v without an analyzer", ev.Breakdown.CodeQuality)
		}
	})
}

// ---------------------------------------------------------------------------------------------
// 8. codeBlocks and significantLines.
// ---------------------------------------------------------------------------------------------

func TestCodeBlocks(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"no fences", "Use a map from value to index.\nThen look up target - value.", nil},
		{"one block", "Try:\n```python\nx = 1\ny = 2\n```\nDone.", []string{"x = 1\ny = 2"}},
		{"two blocks", "```\na\n```\ntext\n```go\nb\nc\n```", []string{"a", "b\nc"}},
		{"indented fences", "  ```js\n  let x = 1\n  ```", []string{"  let x = 1"}},
		{"empty block", "```\n```", []string{""}},
		{"unterminated", "Start:\n```python\ndef f():\n    return 1", []string{"def f():\n    return 1"}},
		{"unterminated and empty", "```python", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := codeBlocks(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("codeBlocks = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSignificantLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"spaces collapsed", "  for  i  in   range(n):\n\tresult.append( i )", []string{"for i in range(n):", "result.append( i )"}},
		{"braces and short lines dropped", "}\n{\n)\nx = 1\ni += 1\nabc\nabcd", []string{"abcd"}},
		{"common lines dropped", "else:\n} else {\nreturn result\nreturn None\nreturn nil\nreturn True\npackage main\ncontinue\nbreak\nreturn total",
			[]string{"return total"}},
		{"digits count", "1234\n12 3", []string{"1234"}},
		// A keyword makes a short line significant, even one any two programs share.
		{"return x is kept", "return x\nreturn a+b", []string{"return x", "return a+b"}},
		{"letters beyond ASCII count", "été = 1", []string{"été = 1"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := significantLines(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("significantLines = %q, want %q", got, tt.want)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------------
// Property: random interviews never panic, keep every score in range and point only at their
// own events.
// ---------------------------------------------------------------------------------------------

func evRandomScript(r *rand.Rand) []evalStep {
	settings := evSettings(r.IntN(3) > 0, nil)
	if r.IntN(2) == 0 {
		cfg := DefaultScoringConfig()
		cfg.Weights = ScoringWeights{Technical: r.Float64(), CodeQuality: r.Float64(), ProblemSolving: r.Float64(), AICollaboration: r.Float64()}
		cfg.Flags = FlagThresholds{LargePasteLines: 1 + r.IntN(10), LargePasteChars: 1 + r.IntN(500),
			FocusAwaySeconds: 1 + r.IntN(60), BurstWindowSeconds: 1 + r.IntN(120), BurstChars: 1 + r.IntN(400),
			LowPromptQuality: 1 + r.Float64()*2, GoodPromptQuality: 3.5 + r.Float64()*1.5, MinPrompts: 1 + r.IntN(4),
			EfficientCodeQuality: r.Float64() * 100}
		settings.Scoring = &cfg
	}
	settings.Language = []string{"python", "go", "", "javascript"}[r.IntN(4)]
	ids := []uuid.UUID{evalQ1, evalQ2, uuid.MustParse("44444444-4444-4444-8444-444444444444"), uuid.Nil}
	texts := []string{evAICode, evLines(1 + r.IntN(12)), "x", "def f(a):\n    return a\n", strings.Repeat("z", r.IntN(600)) + "\n\n\n\n",
		"```\n" + evLines(3) + "```", evAIAnswer, "", "é\n"}
	pick := func() string { return texts[r.IntN(len(texts))] }
	difficulties := []Difficulty{DifficultyEasy, DifficultyMedium, DifficultyHard, "", "WEIRD"}

	steps := []evalStep{evStarted(settings)}
	at := 0.0
	n := r.IntN(60)
	for range n {
		at += float64(r.IntN(150))
		actor := ActorCandidate
		if r.IntN(4) == 0 {
			actor = ActorSystem
		}
		var e Event
		switch r.IntN(13) {
		case 0:
			q := evServed(ids[r.IntN(len(ids))], difficulties[r.IntN(len(difficulties))], r.IntN(6), 0, r.IntN(30)-5)
			q.Description = pick()
			e = q
		case 1, 2:
			total := r.IntN(6)
			passed := 0
			if total > 0 {
				passed = r.IntN(total + 1)
			}
			e = evRun(ids[r.IntN(len(ids))], passed, total, r.IntN(total-passed+1))
		case 3:
			m := evMsg(r.IntN(6), []string{ReasonBuildsOn, ReasonFirstQuestion, ReasonNoBuildsOn}[r.IntN(3)])
			e = m
		case 4:
			e = evAnswer(pick())
		case 5:
			e = &Copy{Text: pick()}
		case 6, 7:
			e = evPaste(pick())
		case 8, 9:
			e = &Keystroke{FileID: "f", Changes: []Change{{Text: pick()}, {DeleteCount: 1}}}
		case 10:
			if r.IntN(5) == 0 {
				e = &FocusChange{}
			} else {
				e = evFocus(r.IntN(2) == 0)
			}
		case 11:
			e = &Cursor{FileID: "f", Line: 1, Column: 1}
		default:
			e = &IdleStart{}
		}
		steps = append(steps, evalStep{at: time.Duration(at * float64(time.Second)), actor: actor, data: e})
	}
	if r.IntN(8) > 0 {
		files := map[string]string{}
		for i := range r.IntN(4) {
			files[fmt.Sprintf("f%d%s", i, []string{".py", ".go", ".txt"}[r.IntN(3)])] = pick()
		}
		at += float64(r.IntN(3000))
		steps = append(steps, evalStep{at: time.Duration(at * float64(time.Second)), actor: ActorCandidate, data: &InterviewSubmitted{FinalFiles: files}})
		for range r.IntN(4) {
			at += 10
			steps = append(steps, evCand(at, evRun(evalQ1, 1, 1, 0)))
		}
	}
	return steps
}

func evCheckRandom(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	steps := evRandomScript(r)
	s := evalBuild(t, steps...)
	cq := r.Float64() * 100
	ev, err := Evaluate(s.events, evFixedAnalyzer(cq))
	if err != nil {
		if !errors.Is(err, ErrNotSubmitted) {
			t.Fatalf("seed %d: %v", seed, err)
		}
		return
	}
	evCheckInvariants(t, s.events, ev)
	again, _ := Evaluate(s.events, evFixedAnalyzer(cq))
	a, _ := json.Marshal(ev)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Fatalf("seed %d: not deterministic", seed)
	}
	if t.Failed() {
		t.Logf("seed %d", seed)
	}
}

func TestEvaluateRandomScripts(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	for seed := range uint64(n) {
		evCheckRandom(t, seed)
		if t.Failed() {
			return
		}
	}
}

func FuzzEvaluate(f *testing.F) {
	for _, seed := range []uint64{0, 1, 2, 42, 1 << 40} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { evCheckRandom(t, seed) })
}

// The rules' name ends with their revision, which the scoring projection's version follows:
// changing one without the other would leave old evaluations in place under a new name, or
// the reverse.
func TestScoringVersionNamesTheRevision(t *testing.T) {
	if !strings.HasSuffix(ScoringVersion, "."+strconv.Itoa(ScoringRevision)) {
		t.Fatalf("ScoringVersion %q does not end with ScoringRevision %d", ScoringVersion, ScoringRevision)
	}
}
