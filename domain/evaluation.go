package domain

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Evaluation is the scored reading of a submitted interview: four component scores, the
// overall score and recommendation, the flags with the log positions that raised them, and the
// measures behind every number so that a reviewer can check it. Evaluate is deterministic: the
// same events and configuration give the same evaluation, byte for byte once encoded.
type Evaluation struct {
	ScoringVersion string         `json:"scoringVersion"`
	OverallScore   float64        `json:"overallScore"`
	Breakdown      ScoreBreakdown `json:"breakdown"`
	// AICollaborationScore repeats Breakdown.AICollaboration, as the API has always sent it.
	AICollaborationScore float64        `json:"aiCollaborationScore"`
	Recommendation       Recommendation `json:"recommendation"`
	// Confidence is 0 to 100: how much evidence there was and how far the score lies from the
	// thresholds around it.
	Confidence float64       `json:"confidence"`
	RedFlags   []Flag        `json:"redFlags"`
	GreenFlags []Flag        `json:"greenFlags"`
	Details    EvalDetails   `json:"details"`
	Config     ScoringConfig `json:"config"`
	// SubmittedAt and SubmittedPosition are the submission the evaluation reads up to.
	SubmittedAt       time.Time `json:"submittedAt"`
	SubmittedPosition int64     `json:"submittedPosition"`
}

// EvalDetails are the measures each component was computed from.
type EvalDetails struct {
	Technical       TechnicalDetails       `json:"technical"`
	CodeQuality     CodeQualityResult      `json:"codeQuality"`
	ProblemSolving  ProblemSolvingDetails  `json:"problemSolving"`
	AICollaboration AICollaborationDetails `json:"aiCollaboration"`
	Cost            CostDetails            `json:"cost"`
	// Evidence is 0 to 1: how much the interview showed to judge from.
	Evidence float64 `json:"evidence"`
	// ExternalCode is the share of the final code's lines that arrived in pastes of three or
	// more lines traced to nothing in the session (not the assistant, a copy made in it, or the
	// question).
	ExternalCode float64 `json:"externalCode"`
}

// QuestionResult is one served question as the final test run left it.
type QuestionResult struct {
	QuestionID  uuid.UUID  `json:"questionId"`
	Title       string     `json:"title"`
	Difficulty  Difficulty `json:"difficulty"`
	Weight      float64    `json:"weight"`
	TestsPassed int        `json:"testsPassed"`
	TestsTotal  int        `json:"testsTotal"`
	HiddenFail  int        `json:"hiddenFailed"`
	// FinalRunPosition is the log position of the last run of the question's tests; 0 when
	// they never ran.
	FinalRunPosition int64 `json:"finalRunPosition,omitempty"`
	CandidateRuns    int   `json:"candidateRuns"`
	// SecondsToFirstPass counts from the question being served to the candidate's first run
	// passing every test; -1 when none did.
	SecondsToFirstPass int64 `json:"secondsToFirstPass"`
	EstimatedMinutes   int   `json:"estimatedMinutes"`
}

// TechnicalDetails are the served questions and their results.
type TechnicalDetails struct {
	Questions []QuestionResult `json:"questions"`
}

// CodeQualityResult is the static analysis of the final code (domain/codequality), reduced to
// what the evaluation keeps.
type CodeQualityResult struct {
	Analyzed      bool     `json:"analyzed"`
	Score         float64  `json:"score"`
	Language      string   `json:"language,omitempty"`
	Files         int      `json:"files"`
	CodeLines     int      `json:"codeLines"`
	Functions     int      `json:"functions"`
	MaxComplexity int      `json:"maxComplexity"`
	MaxNesting    int      `json:"maxNesting"`
	Duplication   float64  `json:"duplication"`
	Naming        float64  `json:"naming"`
	ParseErrors   int      `json:"parseErrors"`
	Findings      []string `json:"findings"`
}

// CodeAnalyzer measures final code: the files of one language.
type CodeAnalyzer func(language string, files map[string]string) CodeQualityResult

// ProblemSolvingDetails are the parts of the problem-solving score, each 0 to 1.
type ProblemSolvingDetails struct {
	Completion float64 `json:"completion"`
	Progress   float64 `json:"progress"`
	Speed      float64 `json:"speed"`
}

// AICollaborationDetails are the parts of the AI collaboration score.
type AICollaborationDetails struct {
	Enabled bool `json:"enabled"`
	Turns   int  `json:"turns"`
	// PromptQuality is the mean rating, 1 to 5; 0 without messages.
	PromptQuality float64 `json:"promptQuality"`
	// Dependency is the share of the final code's lines that arrived by pasting or inserting
	// the assistant's code in bulk.
	Dependency float64 `json:"dependency"`
	// AIPastes are pastes traced to the assistant's answers; Verified those followed by a run of
	// the tests.
	AIPastes int `json:"aiPastes"`
	Verified int `json:"verified"`
	// Iteration is the share of follow-up messages that build on an earlier answer.
	Iteration float64 `json:"iteration"`
}

// CostDetails are the AI's tokens and their price.
type CostDetails struct {
	InputTokens  int     `json:"inputTokens"`
	OutputTokens int     `json:"outputTokens"`
	USD          float64 `json:"usd"`
}

// Flag codes. Every flag is worded as a suggestion to review, never as a verdict.
const (
	FlagLargeUntracedPaste = "large_untraced_paste"
	FlagFocusLossBurst     = "focus_loss_then_burst"
	FlagUntestedAICode     = "untested_ai_code"
	FlagLowPromptQuality   = "low_prompt_quality"
	FlagHiddenTestsFailing = "hidden_tests_failing"
	FlagUnfinished         = "unfinished_questions"

	FlagTestDriven       = "test_driven_progress"
	FlagGoodPrompts      = "good_prompts"
	FlagVerifiedAI       = "verified_ai_suggestions"
	FlagEfficientSolving = "efficient_solution"
)

// ErrNotSubmitted means the events hold no submission to evaluate.
var ErrNotSubmitted = errors.New("the interview has not been submitted")

// difficultyWeight weighs a question's tests in the technical score: a hard question counts
// three times an easy one.
func difficultyWeight(d Difficulty) float64 {
	switch d {
	case DifficultyEasy:
		return 1
	case DifficultyHard:
		return 3
	}
	return 2
}

// Evaluate scores an interview from its events, in stream order from interview_started up to
// and including interview_submitted (later events are ignored). analyze measures the final
// code. The configuration comes from the interview's settings (DefaultScoringConfig when it has
// none).
func Evaluate(events []RecordedEvent, analyze CodeAnalyzer) (Evaluation, error) {
	s, err := readSession(events)
	if err != nil {
		return Evaluation{}, err
	}
	cfg := s.config
	ev := Evaluation{ScoringVersion: ScoringVersion, Config: cfg, SubmittedAt: s.submittedAt,
		SubmittedPosition: s.submittedPosition, RedFlags: []Flag{}, GreenFlags: []Flag{}}

	// What the final code shows of the candidate depends on who wrote it: code that arrived in
	// pastes from outside the session shows nothing of them, so the scores that read the final
	// code credit it at half (demonstrated is 1 when the candidate wrote it all in the session).
	ev.Details.ExternalCode = s.externalShare()
	demonstrated := 1 - 0.5*ev.Details.ExternalCode

	// Technical: tests passed over every served question, hidden included, by difficulty.
	var weighted, weights float64
	for _, q := range s.questions {
		r := q.result()
		ev.Details.Technical.Questions = append(ev.Details.Technical.Questions, r)
		if r.TestsTotal > 0 { // a question without tests can be neither passed nor failed
			weights += r.Weight
			weighted += r.Weight * float64(r.TestsPassed) / float64(r.TestsTotal)
		}
	}
	if ev.Details.Technical.Questions == nil {
		ev.Details.Technical.Questions = []QuestionResult{}
	}
	if weights > 0 {
		ev.Breakdown.Technical = 100 * weighted / weights * demonstrated
	}

	// Code quality: static measures of the final code.
	cq := CodeQualityResult{Findings: []string{}}
	if analyze != nil && len(s.finalFiles) > 0 {
		cq = analyze(s.finalLang, s.finalFiles)
		if cq.Findings == nil {
			cq.Findings = []string{}
		}
	}
	ev.Details.CodeQuality = cq
	ev.Breakdown.CodeQuality = cq.Score * demonstrated

	// Problem solving: finishing, moving forward between runs, and how soon tests passed.
	ps := s.problemSolving(ev.Details.Technical.Questions)
	ev.Details.ProblemSolving = ps
	ev.Breakdown.ProblemSolving = 100 * (0.5*ps.Completion + 0.25*ps.Progress + 0.25*ps.Speed)

	// AI collaboration.
	ai, aiScore := s.aiCollaboration()
	ev.Details.AICollaboration = ai
	ev.Breakdown.AICollaboration = aiScore
	ev.Details.Cost = s.cost

	// Overall: the weighted mean. The AI's weight goes to the others when the assessment
	// turned the assistant off, since the candidate had no way to earn it, and when they never
	// used it, since there is nothing to judge (the missing evidence lowers the confidence).
	w := cfg.Weights
	if !s.settings.EnableAI || len(s.turns) == 0 {
		w.AICollaboration = 0
	}
	total := w.Technical + w.CodeQuality + w.ProblemSolving + w.AICollaboration
	if total == 0 {
		// Only the AI was weighed and it cannot count: the defaults rather than 0 for all.
		w = DefaultScoringConfig().Weights
		w.AICollaboration = 0
		total = w.Technical + w.CodeQuality + w.ProblemSolving
	}
	if total > 0 {
		ev.OverallScore = (w.Technical*ev.Breakdown.Technical + w.CodeQuality*ev.Breakdown.CodeQuality +
			w.ProblemSolving*ev.Breakdown.ProblemSolving + w.AICollaboration*ev.Breakdown.AICollaboration) / total
	}
	ev.Breakdown = ScoreBreakdown{Technical: round1(ev.Breakdown.Technical), CodeQuality: round1(ev.Breakdown.CodeQuality),
		ProblemSolving: round1(ev.Breakdown.ProblemSolving), AICollaboration: round1(ev.Breakdown.AICollaboration)}
	ev.AICollaborationScore = ev.Breakdown.AICollaboration
	ev.OverallScore = round1(ev.OverallScore)
	ev.Recommendation = cfg.Thresholds.Recommend(ev.OverallScore)

	// Confidence: evidence, discounted when the score sits on a threshold.
	ev.Details.Evidence = round2(s.evidence(cq) * demonstrated)
	margin := math.Min(1, cfg.Thresholds.margin(ev.OverallScore)/7.5)
	ev.Confidence = round1(100 * ev.Details.Evidence * (0.5 + 0.5*margin))

	ev.RedFlags, ev.GreenFlags = s.flags(ev)
	return ev, nil
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// question is a served question and what happened to it.
type question struct {
	served         QuestionServed
	servedAt       time.Time
	servedPosition int64
	runs           []testRun // every run of its tests, in log order
}

type testRun struct {
	run       TestRun
	at        time.Time
	position  int64
	candidate bool
}

func (q *question) result() QuestionResult {
	r := QuestionResult{QuestionID: q.served.QuestionID, Title: q.served.Title, Difficulty: q.served.Difficulty,
		Weight: difficultyWeight(q.served.Difficulty), TestsTotal: len(q.served.TestCases), SecondsToFirstPass: -1,
		EstimatedMinutes: q.served.EstimatedMinutes}
	for _, t := range q.runs {
		if t.candidate {
			r.CandidateRuns++
		}
		// The candidate's own runs only: the submission's final run says the code passes,
		// not how soon the candidate got it there.
		if t.candidate && r.SecondsToFirstPass < 0 && t.run.Total > 0 && t.run.Passed == t.run.Total {
			r.SecondsToFirstPass = int64(t.at.Sub(q.servedAt) / time.Second)
		}
	}
	if n := len(q.runs); n > 0 {
		last := q.runs[n-1]
		r.FinalRunPosition = last.position
		r.TestsPassed = last.run.Passed
		if last.run.Total > r.TestsTotal {
			r.TestsTotal = last.run.Total
		}
		for _, res := range last.run.Results {
			if res.Hidden && !res.Passed {
				r.HiddenFail++
			}
		}
	}
	return r
}

// aiTurn is one exchange with the assistant.
type aiTurn struct {
	message         AIMessage
	messagePosition int64
}

// paste is a paste and where its text came from.
type paste struct {
	position  int64
	at        time.Time
	lines     int
	chars     int
	fromAI    bool
	traced    bool     // to the assistant, a copy in the session, or the question
	verified  bool     // a run of the tests followed it
	substance bool     // three or more non-trivial lines
	text      []string // its significant lines
}

// insert is text the editor inserted in one event: typed, pasted or dropped.
type insert struct {
	position int64
	at       time.Time
	text     string
}

type focusReturn struct {
	lostPosition, backPosition int64
	back                       time.Time
}

// session is what Evaluate reads out of the events.
type session struct {
	settings          AssessmentSettings
	config            ScoringConfig
	startedAt         time.Time
	submittedAt       time.Time
	submittedPosition int64
	submitted         *InterviewSubmitted
	// The final code: its language, files and significant lines (readFinalCode).
	finalLang  string
	finalFiles map[string]string
	finalLines []string

	questions []*question
	byID      map[uuid.UUID]*question

	turns         []aiTurn
	aiLines       map[string]bool // normalized lines of the assistant's code blocks so far
	ownLines      map[string]bool // lines the candidate typed, showed the assistant or copied from a file
	aiBulkLines   map[string]bool // those lines as they later arrived in bulk in the editor
	pastes        []*paste
	inserts       []insert
	focusReturns  []focusReturn
	candidateRuns []testRun
	copies        []string
	questionText  []string
	cost          CostDetails
	activeEvents  int
}

// readSession folds the events, in order, into a session.
func readSession(events []RecordedEvent) (*session, error) {
	s := &session{byID: map[uuid.UUID]*question{}, aiLines: map[string]bool{}, aiBulkLines: map[string]bool{}, ownLines: map[string]bool{}}
	var lostAt time.Time
	var lostPosition int64
	lost := false
	for _, e := range events {
		if s.submitted != nil {
			break
		}
		if e.Type == TypeCursor {
			continue // the caret says nothing the evaluation uses, and is the most frequent event
		}
		data, err := DecodeRecorded(e)
		if err != nil {
			return nil, fmt.Errorf("evaluate: event %d: %w", e.Position, err)
		}
		at := e.OccurredAt
		switch d := data.(type) {
		case *InterviewStarted:
			s.settings, s.startedAt = d.Settings, at
			s.config = DefaultScoringConfig()
			if d.Settings.Scoring != nil {
				s.config = *d.Settings.Scoring
			}
		case *QuestionServed:
			q := &question{served: *d, servedAt: at, servedPosition: e.Position}
			if _, seen := s.byID[d.QuestionID]; !seen {
				s.questions = append(s.questions, q)
				s.byID[d.QuestionID] = q
			}
			s.questionText = append(s.questionText, d.Description, d.StarterCode)
		case *TestRun:
			run := testRun{run: *d, at: at, position: e.Position, candidate: e.Metadata.Actor.Kind == ActorCandidate}
			if q, ok := s.byID[d.QuestionID]; ok && d.QuestionID != uuid.Nil {
				q.runs = append(q.runs, run)
			}
			if run.candidate {
				s.candidateRuns = append(s.candidateRuns, run)
				// A run verifies the pastes whose code it ran: at least half of their lines
				// are in the code that was tested.
				ran := map[string]bool{}
				for _, l := range significantLines(d.Code) {
					ran[l] = true
				}
				for _, p := range s.pastes {
					in := 0
					for _, l := range p.text {
						if ran[l] {
							in++
						}
					}
					if !p.verified && 2*in >= len(p.text) {
						p.verified = true
					}
				}
			}
		case *AIMessage:
			s.turns = append(s.turns, aiTurn{message: *d, messagePosition: e.Position})
			if d.CodeContext != nil {
				s.addOwn(d.CodeContext.Content)
			}
		case *AIResponse:
			// The assistant often quotes the candidate's code back: lines the candidate had
			// written or shown it before are theirs, not the assistant's.
			for _, block := range codeBlocks(d.Text) {
				for _, l := range significantLines(block) {
					if !s.ownLines[l] {
						s.aiLines[l] = true
					}
				}
			}
			s.cost.InputTokens += d.InputTokens
			s.cost.OutputTokens += d.OutputTokens
			s.cost.USD += d.CostUSD
		case *Copy:
			s.copies = append(s.copies, d.Text)
			if d.FileID != "" {
				s.addOwn(d.Text)
			}
		case *Paste:
			s.pastes = append(s.pastes, s.tracePaste(e.Position, at, d.Text))
		case *Keystroke:
			s.activeEvents++
			for _, c := range d.Changes {
				if c.Text == "" {
					continue
				}
				s.inserts = append(s.inserts, insert{position: e.Position, at: at, text: c.Text})
				bulk := len(c.Text) >= 40 && strings.Contains(c.Text, "\n")
				for _, l := range significantLines(c.Text) {
					switch {
					case s.aiLines[l] && bulk:
						s.aiBulkLines[l] = true
					case !s.aiLines[l]:
						s.ownLines[l] = true
					}
				}
			}
		case *FocusChange:
			if d.Focused != nil && !*d.Focused && !lost {
				lost, lostAt, lostPosition = true, at, e.Position
			} else if d.Focused != nil && *d.Focused && lost {
				lost = false
				if at.Sub(lostAt) >= time.Duration(s.config.Flags.FocusAwaySeconds)*time.Second {
					s.focusReturns = append(s.focusReturns, focusReturn{lostPosition: lostPosition, backPosition: e.Position, back: at})
				}
			}
		case *InterviewSubmitted:
			s.submitted, s.submittedAt, s.submittedPosition = d, at, e.Position
		}
	}
	if s.startedAt.IsZero() {
		return nil, errors.New("evaluate: the events do not start with interview_started")
	}
	if s.submitted == nil {
		return nil, ErrNotSubmitted
	}
	s.readFinalCode()
	s.cost.USD = math.Round(s.cost.USD*1e6) / 1e6
	return s, nil
}

// addOwn records text as the candidate's own.
func (s *session) addOwn(text string) {
	for _, l := range significantLines(text) {
		if !s.aiLines[l] {
			s.ownLines[l] = true
		}
	}
}

// tracePaste tells where a paste came from: the assistant when most of its lines are in the
// assistant's code blocks, or a copy made in the session or the question's own text.
func (s *session) tracePaste(position int64, at time.Time, text string) *paste {
	lines := significantLines(text)
	p := &paste{position: position, at: at, lines: len(lines), chars: len([]rune(text)), substance: len(lines) >= 3, text: lines}
	if len(lines) > 0 {
		fromAI := 0
		for _, l := range lines {
			if s.aiLines[l] {
				fromAI++
			}
		}
		p.fromAI = float64(fromAI) >= 0.6*float64(len(lines))
	}
	trimmed := strings.TrimSpace(text)
	for _, c := range slices.Concat(s.copies, s.questionText) {
		if trimmed != "" && strings.Contains(c, trimmed) {
			p.traced = true
			break
		}
	}
	p.traced = p.traced || p.fromAI
	return p
}

// readFinalCode sets the final code the evaluation reads: the submitted files in the
// interview's language, by extension (all files when none has its extension), and their
// significant lines in the order of the files' names.
func (s *session) readFinalCode() {
	s.finalLang = s.settings.Language
	if s.finalLang == "" && len(s.questions) > 0 {
		s.finalLang = s.questions[0].served.Language
	}
	ext := Extension(s.finalLang)
	s.finalFiles = map[string]string{}
	for name, content := range s.submitted.FinalFiles {
		if ext != "" && strings.HasSuffix(name, ext) {
			s.finalFiles[name] = content
		}
	}
	if len(s.finalFiles) == 0 {
		maps.Copy(s.finalFiles, s.submitted.FinalFiles)
	}
	for _, name := range slices.Sorted(maps.Keys(s.finalFiles)) {
		s.finalLines = append(s.finalLines, significantLines(s.finalFiles[name])...)
	}
}

// problemSolving reads the questions' results, which are in the order of s.questions.
func (s *session) problemSolving(results []QuestionResult) ProblemSolvingDetails {
	n := float64(len(s.questions))
	if n == 0 {
		return ProblemSolvingDetails{}
	}
	var d ProblemSolvingDetails
	for i, q := range s.questions {
		r := results[i]
		if r.TestsTotal > 0 && r.TestsPassed == r.TestsTotal {
			d.Completion++
		}
		// Progress: each of the candidate's runs against the last one (the first against
		// nothing passing) moves forward, holds, or goes back. A first run passing nothing is
		// where the candidate starts from (the starter code, say), not a step.
		var steps, forward float64
		prev, first := 0, true
		for _, t := range q.runs {
			if !t.candidate {
				continue
			}
			if first && t.run.Passed == 0 && t.run.Total > 0 {
				first = false
				continue
			}
			first = false
			steps++
			switch {
			case t.run.Total > 0 && t.run.Passed == t.run.Total, t.run.Passed > prev:
				forward++
			case t.run.Passed == prev:
				forward += 0.5
			}
			prev = t.run.Passed
		}
		if steps > 0 {
			d.Progress += forward / steps
		}
		// Speed: passing within the estimate scores 1, falling to 0 at three times it.
		if r.SecondsToFirstPass >= 0 {
			estimate := float64(max(r.EstimatedMinutes, 5) * 60)
			d.Speed += 1 - clamp01((float64(r.SecondsToFirstPass)-estimate)/(2*estimate))
		}
	}
	return ProblemSolvingDetails{Completion: round2(d.Completion / n), Progress: round2(d.Progress / n), Speed: round2(d.Speed / n)}
}

// aiCollaboration scores the work with the assistant: the prompts (40%), how little of the
// final code was the assistant's pasted as is (25%), checking what was taken (20%) and
// following up on answers (15%). Without a single turn there is nothing to judge: 50.
func (s *session) aiCollaboration() (AICollaborationDetails, float64) {
	d := AICollaborationDetails{Enabled: s.settings.EnableAI, Turns: len(s.turns)}
	var quality float64
	buildsOn := 0
	for i, t := range s.turns {
		quality += float64(t.message.PromptQuality)
		if i > 0 && slices.Contains(t.message.QualityReasons, ReasonBuildsOn) {
			buildsOn++
		}
	}
	if total := len(s.finalLines); total > 0 {
		fromAI := 0
		for _, l := range s.finalLines {
			if s.aiBulkLines[l] {
				fromAI++
			}
		}
		d.Dependency = round2(float64(fromAI) / float64(total))
	}
	for _, p := range s.pastes {
		if p.fromAI {
			d.AIPastes++
			if p.verified {
				d.Verified++
			}
		}
	}
	if len(s.turns) == 0 {
		return d, 50
	}
	d.PromptQuality = round2(quality / float64(len(s.turns)))
	d.Iteration = 0.5
	if len(s.turns) > 1 {
		d.Iteration = round2(float64(buildsOn) / float64(len(s.turns)-1))
	}
	verification := 1.0
	if d.AIPastes > 0 {
		verification = float64(d.Verified) / float64(d.AIPastes)
	}
	independence := 1 - clamp01((d.Dependency-0.2)/0.6)
	// Ratings are 1 to 5; the clamp keeps a message stored without one (0) from taking the
	// score below 0.
	score := 100 * (0.40*clamp01((d.PromptQuality-1)/4) + 0.25*independence + 0.20*verification + 0.15*d.Iteration)
	return d, score
}

// externalShare is the share of the final code's significant lines found in untraced pastes.
func (s *session) externalShare() float64 {
	external := map[string]bool{}
	for _, p := range s.pastes {
		if !p.traced && p.substance {
			for _, l := range p.text {
				external[l] = true
			}
		}
	}
	if len(external) == 0 {
		return 0
	}
	if len(s.finalLines) == 0 {
		return 0
	}
	outside := 0
	for _, l := range s.finalLines {
		if external[l] {
			outside++
		}
	}
	return round2(float64(outside) / float64(len(s.finalLines)))
}

// evidence is 0 to 1: served questions with a final run, the candidate's own runs, code to
// read, and time spent, each counted up to a point where more adds nothing.
func (s *session) evidence(cq CodeQualityResult) float64 {
	ran := 0
	for _, q := range s.questions {
		if len(q.runs) > 0 {
			ran++
		}
	}
	parts := []float64{
		clamp01(float64(ran) / float64(max(len(s.questions), 1))),
		clamp01(float64(len(s.candidateRuns)) / 4),
		clamp01(float64(cq.CodeLines) / 20),
		clamp01(s.submittedAt.Sub(s.startedAt).Minutes() / 15),
	}
	if s.settings.EnableAI {
		parts = append(parts, clamp01(float64(len(s.turns))/3))
	}
	if len(s.questions) == 0 {
		parts[0] = 0
	}
	var sum float64
	for _, p := range parts {
		sum += p
	}
	return sum / float64(len(parts))
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }
