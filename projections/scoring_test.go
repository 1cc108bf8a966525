package projections_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// interviewee writes one interview through the event store as the server would: started,
// a question served, the candidate's test runs and AI turns, and the submission.
type interviewee struct {
	t                          *testing.T
	f                          *fixture
	id, candidate, assessment  uuid.UUID
	org, question              uuid.UUID
	at                         time.Time
	submitted                  bool
	submittedVersion, lastSeen int64
}

const scoringTests = 4 // tests of the question, the last one hidden

// startInterview appends interview_started and question_served. Every interview starts at the
// same moment of its own, so two interviews that do the same work score the same.
func (f *fixture) startInterview(t *testing.T, assessment, org uuid.UUID) *interviewee {
	t.Helper()
	c := &interviewee{t: t, f: f, id: uuid.New(), candidate: uuid.New(), assessment: assessment, org: org,
		question: uuid.New(), at: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	c.server(&domain.InterviewStarted{CandidateID: c.candidate, AssessmentID: assessment, OrganizationID: org,
		CandidateName: "Ada " + c.candidate.String()[:4], CandidateEmail: "ada@example.com", TimeLimitMinutes: 60,
		Deadline: c.at.Add(time.Hour),
		Settings: domain.AssessmentSettings{Language: "python", Seniority: "mid", QuestionCount: 1,
			EnableCoding: true, EnableTerminal: true, EnableAI: true}})
	cases := make([]domain.TestCase, scoringTests)
	for i := range cases {
		cases[i] = domain.TestCase{Name: fmt.Sprintf("case %d", i), Input: fmt.Sprintf("[%d]", i),
			ExpectedOutput: fmt.Sprint(i * i), Hidden: i == scoringTests-1}
	}
	c.server(&domain.QuestionServed{QuestionID: c.question, Difficulty: domain.DifficultyMedium, Title: "Squares",
		Description: "Return the square of n.", Language: "python", StarterCode: "def square(n):\n    pass\n",
		TestCases: cases, Mode: domain.TestModeFunction, Entrypoint: "square", Source: domain.QuestionFromBank,
		ProblemID: "squares", EstimatedMinutes: 20})
	return c
}

func (c *interviewee) append(e domain.Event, actor domain.ActorKind, after time.Duration) {
	c.t.Helper()
	c.at = c.at.Add(after)
	md := domain.Metadata{Actor: domain.Actor{Kind: actor}, OrganizationID: c.org.String()}
	if actor == domain.ActorCandidate {
		md.Actor.ID = c.candidate.String()
	}
	ne, err := domain.NewEventFrom(uuid.New(), e, md, c.at)
	must(c.t, err)
	res, err := c.f.store.Append(context.Background(), c.id, eventstore.AnyVersion, ne)
	must(c.t, err)
	c.lastSeen = res.Version
}

func (c *interviewee) server(e domain.Event) { c.append(e, domain.ActorSystem, time.Second) }

// run is a run of the question's tests passing the first passed of them.
func (c *interviewee) run(passed int, actor domain.ActorKind) {
	results := make([]domain.TestResult, scoringTests)
	for i := range results {
		results[i] = domain.TestResult{Name: fmt.Sprintf("case %d", i), Passed: i < passed, Verdict: "passed",
			DurationMs: 3, Hidden: i == scoringTests-1}
		if i >= passed {
			results[i].Verdict, results[i].Error = "wrong_answer", "expected something else"
		}
	}
	c.append(&domain.TestRun{RunID: uuid.New(), QuestionID: c.question, Language: "python", FileName: "solution.py",
		Code: solution(passed)["solution.py"], CodeHash: fmt.Sprint(passed), Passed: passed, Failed: scoringTests - passed,
		Total: scoringTests, ExecutionTimeMs: 40, Results: results}, actor, 3*time.Minute)
}

// work is the candidate's session: the server checks the starter code, the candidate asks the
// assistant twice, runs the tests with nothing passing, then with passed of them.
func (c *interviewee) work(passed int) {
	c.t.Helper()
	c.run(0, domain.ActorSystem)
	for i, ask := range []string{"How do I square a number in Python without overflow concerns?",
		"Building on your answer, should I use n ** 2 or n * n for negative n?"} {
		turn := uuid.New()
		reasons := []string{"Specific"}
		if i > 0 {
			reasons = append(reasons, domain.ReasonBuildsOn)
		}
		c.append(&domain.AIMessage{TurnID: turn, Message: ask, PromptQuality: 3 + i, QualityReasons: reasons},
			domain.ActorCandidate, time.Minute)
		c.append(&domain.AIResponse{TurnID: turn, Text: "Use:\n```python\ndef square(n):\n    return n * n\n```\n",
			Model: "claude", InputTokens: 120 + i, OutputTokens: 80, LatencyMs: 900, FinishReason: "end_turn", CostUSD: 0.0012},
			domain.ActorSystem, 5*time.Second)
	}
	c.run(0, domain.ActorCandidate)
	c.run(passed, domain.ActorCandidate)
}

func (c *interviewee) submit(passed int) {
	c.t.Helper()
	c.append(&domain.InterviewSubmitted{FinalFiles: solution(passed)}, domain.ActorCandidate, 2*time.Minute)
	c.submitted, c.submittedVersion = true, c.lastSeen
}

// solution is the code submitted: two Python files the analyzer reads and a note it does not.
func solution(passed int) map[string]string {
	body := "    return n * n\n"
	if passed < scoringTests {
		body = fmt.Sprintf("    if n > %d:\n        return 0\n    return n * n\n", passed)
	}
	return map[string]string{
		"solution.py": "from helpers import check\n\n\ndef square(n):\n    \"\"\"The square of n.\"\"\"\n    check(n)\n" + body,
		"helpers.py": "def check(value):\n    if not isinstance(value, int):\n        raise TypeError(\"an integer, please\")\n" +
			"    return value\n\n\ndef describe(values):\n    total = 0\n    for value in values:\n        if value > 0:\n" +
			"            total += value\n    return total\n",
		"NOTES.md": "# Notes\nI squared it.\n",
	}
}

// interview starts, works through and submits an interview passing passed tests.
func (f *fixture) interview(t *testing.T, assessment, org uuid.UUID, passed int) *interviewee {
	t.Helper()
	c := f.startInterview(t, assessment, org)
	c.work(passed)
	c.submit(passed)
	return c
}

func scoringEngine(t *testing.T, f *fixture) *projections.Engine {
	t.Helper()
	e := f.engine(t, 7, projections.Scoring{Analyze: projections.AnalyzeCode}, projections.Reactions{})
	start(t, e)
	return e
}

// catchUp waits for both projections to apply the whole log.
func (f *fixture) catchUp(t *testing.T, e *projections.Engine) {
	t.Helper()
	end, err := f.store.End(context.Background())
	must(t, err)
	f.waitFor(t, e, "scoring", end)
	f.waitFor(t, e, "reactions", end)
}

// evaluate is the evaluation straight from the stream, as the projection should have it.
func (f *fixture) evaluate(t *testing.T, c *interviewee) domain.Evaluation {
	t.Helper()
	events, err := f.store.ReadStream(context.Background(), c.id, 0, 10_000)
	must(t, err)
	ev, err := domain.Evaluate(events, projections.AnalyzeCode)
	must(t, err)
	return ev
}

func readEvaluation(t *testing.T, f *fixture, c *interviewee) projections.EvaluationView {
	t.Helper()
	v, err := projections.ReadEvaluation(context.Background(), f.db.Pool, c.id)
	if err != nil {
		t.Fatalf("evaluation of %s: %v", c.id, err)
	}
	return v
}

// percentile is the share of the others scoring lower, ties counting half, to one decimal; 50
// alone.
func percentile(score float64, cohort []float64) float64 {
	if len(cohort) == 1 {
		return 50
	}
	var below float64
	for _, s := range cohort {
		if s < score {
			below++
		} else if s == score {
			below += 0.5
		}
	}
	below -= 0.5 // itself
	return math.Round(1000*below/float64(len(cohort)-1)) / 10
}

func TestScoringEvaluatesSubmittedInterviews(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	e := scoringEngine(t, f)
	assessment, org := uuid.New(), uuid.New()

	c := f.interview(t, assessment, org, 3)
	open := f.startInterview(t, assessment, org)
	open.work(scoringTests) // all done but never submitted
	f.catchUp(t, e)

	v := readEvaluation(t, f, c)
	if v.ScoringVersion != domain.ScoringVersion || v.InterviewID != c.id || v.CandidateID != c.candidate || v.AssessmentID != assessment {
		t.Fatalf("evaluation header = %s %s %s %s", v.ScoringVersion, v.InterviewID, v.CandidateID, v.AssessmentID)
	}
	if v.PercentileRank != 50 || v.CohortSize != 1 {
		t.Errorf("alone in its cohort: percentile %v of %d, want 50 of 1", v.PercentileRank, v.CohortSize)
	}
	want, err := json.Marshal(f.evaluate(t, c))
	must(t, err)
	got, err := json.Marshal(v.Evaluation)
	must(t, err)
	if string(got) != string(want) {
		t.Fatalf("the projection's evaluation differs from Evaluate over the stream:\n got %s\nwant %s", got, want)
	}

	// What the events say, as Evaluate read them.
	qs := v.Details.Technical.Questions
	if len(qs) != 1 || qs[0].TestsPassed != 3 || qs[0].TestsTotal != scoringTests || qs[0].HiddenFail != 1 ||
		qs[0].CandidateRuns != 2 || qs[0].Difficulty != domain.DifficultyMedium {
		t.Errorf("question results = %+v", qs)
	}
	if v.Breakdown.Technical != 75 {
		t.Errorf("technical = %v, want 75 (3 of 4 tests)", v.Breakdown.Technical)
	}
	cq := v.Details.CodeQuality
	if !cq.Analyzed || cq.Language != "python" || cq.Files != 2 || cq.Functions != 3 || cq.CodeLines == 0 || cq.Score <= 0 {
		t.Errorf("code quality = %+v, want the two Python files analyzed", cq)
	}
	ai := v.Details.AICollaboration
	if !ai.Enabled || ai.Turns != 2 || ai.PromptQuality != 3.5 || ai.Iteration != 1 {
		t.Errorf("AI collaboration = %+v", ai)
	}
	if v.Details.Cost != (domain.CostDetails{InputTokens: 241, OutputTokens: 160, USD: 0.0024}) {
		t.Errorf("cost = %+v", v.Details.Cost)
	}
	if v.Recommendation != v.Config.Thresholds.Recommend(v.OverallScore) || v.SubmittedPosition == 0 {
		t.Errorf("recommendation %s for %v, submitted at %d", v.Recommendation, v.OverallScore, v.SubmittedPosition)
	}
	// The row's own columns agree with the document.
	var score float64
	var rec string
	var org2 uuid.UUID
	must(t, f.db.Pool.QueryRow(ctx, `SELECT overall_score, recommendation, organization_id FROM evaluations WHERE interview_id = $1`, c.id).Scan(&score, &rec, &org2))
	if score != v.OverallScore || rec != string(v.Recommendation) || org2 != org {
		t.Errorf("row columns = %v %s %s, want %v %s %s", score, rec, org2, v.OverallScore, v.Recommendation, org)
	}
	// Through the reader the commands use.
	ev, pct, n, err := projections.EvaluationsReader{DB: f.db.Pool}.Evaluation(ctx, c.id)
	if err != nil || ev.OverallScore != v.OverallScore || pct != 50 || n != 1 {
		t.Errorf("EvaluationsReader = %v %v %d %v", ev.OverallScore, pct, n, err)
	}

	for _, id := range []uuid.UUID{open.id, uuid.New()} {
		if _, err := projections.ReadEvaluation(ctx, f.db.Pool, id); !errors.Is(err, projections.ErrNotFound) {
			t.Errorf("evaluation of an interview not submitted: err = %v, want ErrNotFound", err)
		}
	}
	if _, _, _, err := (projections.EvaluationsReader{DB: f.db.Pool}).Evaluation(ctx, open.id); !errors.Is(err, projections.ErrNotFound) {
		t.Errorf("EvaluationsReader of an open interview: err = %v, want ErrNotFound", err)
	}

	// Events after the submission change nothing: the evaluation reads up to it only.
	before := readEvaluation(t, f, c)
	c.server(&domain.EvaluationCompleted{ScoringVersion: domain.ScoringVersion, OverallScore: before.OverallScore,
		Recommendation: before.Recommendation, PercentileRank: 50, CohortSize: 1, RedFlags: []domain.Flag{}, GreenFlags: []domain.Flag{}})
	f.catchUp(t, e)
	after, _ := json.Marshal(readEvaluation(t, f, c))
	if b, _ := json.Marshal(before); string(after) != string(b) {
		t.Fatalf("an event after the submission changed the evaluation:\n%s\n%s", b, after)
	}
}

func TestScoringRanksEachAssessmentsCohort(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := scoringEngine(t, f)
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	org, otherOrg := uuid.New(), uuid.New()

	// A fifth candidate of A starts first and submits last.
	late := f.startInterview(t, a, org)
	cohortA := []*interviewee{}
	for _, passed := range []int{2, 0, 4, 1} {
		cohortA = append(cohortA, f.interview(t, a, org, passed))
	}
	single := f.interview(t, b, org, 2)
	cohortC := []*interviewee{}
	for _, passed := range []int{2, 0, 2, 4} { // a tie in the middle
		cohortC = append(cohortC, f.interview(t, c, otherOrg, passed))
	}
	f.catchUp(t, e)

	check := func(label string, cohort []*interviewee, want []float64) {
		t.Helper()
		var scores []float64
		views := make([]projections.EvaluationView, len(cohort))
		for i, iv := range cohort {
			views[i] = readEvaluation(t, f, iv)
			scores = append(scores, views[i].OverallScore)
		}
		for i, v := range views {
			if v.CohortSize != len(cohort) || v.PercentileRank != want[i] || v.PercentileRank != percentile(v.OverallScore, scores) {
				t.Errorf("%s: interview %d (score %v of %v) at percentile %v of %d, want %v of %d",
					label, i, v.OverallScore, scores, v.PercentileRank, v.CohortSize, want[i], len(cohort))
			}
		}
	}
	// A's scores differ (2, 0, 4, 1 tests passed): 4 ranks 100, 0 ranks 0.
	check("A", cohortA, []float64{66.7, 0, 100, 33.3})
	check("B", []*interviewee{single}, []float64{50})
	check("C", cohortC, []float64{50, 0, 50, 100})
	if s := readEvaluation(t, f, cohortA[0]).OverallScore; s != readEvaluation(t, f, single).OverallScore {
		t.Fatalf("the same work scored differently across assessments: %v vs %v", s, readEvaluation(t, f, single).OverallScore)
	}
	if _, err := projections.ReadEvaluation(context.Background(), f.db.Pool, late.id); !errors.Is(err, projections.ErrNotFound) {
		t.Fatalf("the open interview of A: err = %v, want ErrNotFound", err)
	}

	// The fifth submits (3 tests passed): A is ranked again, B and C stay as they were.
	late.work(3)
	late.submit(3)
	f.catchUp(t, e)
	check("A with a fifth", append(cohortA, late), []float64{50, 0, 100, 25, 75})
	check("B after A grew", []*interviewee{single}, []float64{50})
	check("C after A grew", cohortC, []float64{50, 0, 50, 100})
}

type evaluationRow struct {
	id             uuid.UUID
	doc            string
	pct            float64
	cohort         int
	score          float64
	recommendation string
}

func snapshotEvaluations(t *testing.T, f *fixture) []evaluationRow {
	t.Helper()
	rows, err := f.db.Pool.Query(context.Background(), `SELECT interview_id, evaluation::text, percentile_rank, cohort_size,
		overall_score, recommendation FROM evaluations ORDER BY interview_id`)
	must(t, err)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (evaluationRow, error) {
		var r evaluationRow
		err := row.Scan(&r.id, &r.doc, &r.pct, &r.cohort, &r.score, &r.recommendation)
		return r, err
	})
	must(t, err)
	return out
}

// rebuild rebuilds a projection; one rebuild right after another must not find the first's
// lock still held.
func rebuild(t *testing.T, e *projections.Engine, name string) {
	t.Helper()
	if err := e.Rebuild(context.Background(), name, nil); err != nil {
		t.Fatalf("rebuild %s: %v", name, err)
	}
}

func countJobsOf(t *testing.T, f *fixture, kind string) int {
	t.Helper()
	var n int
	must(t, f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM jobs WHERE kind = $1`, kind).Scan(&n))
	return n
}

func TestScoringRebuildIsDeterministicAndEnqueuesJobsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	e := scoringEngine(t, f)
	a, b, org := uuid.New(), uuid.New(), uuid.New()
	var submitted []*interviewee
	for i, passed := range []int{1, 4, 2, 2, 0, 3} {
		assessment := a
		if i%3 == 2 {
			assessment = b
		}
		submitted = append(submitted, f.interview(t, assessment, org, passed))
	}
	open := f.startInterview(t, a, org)
	open.work(1)
	f.catchUp(t, e)

	before := snapshotEvaluations(t, f)
	if len(before) != len(submitted) {
		t.Fatalf("%d evaluations, want %d", len(before), len(submitted))
	}

	// One record_evaluation job per submission, keyed by interview and scoring version; one
	// archive_session job per submission.
	checkJobs := func(label string) {
		t.Helper()
		if n := countJobsOf(t, f, projections.JobRecordEvaluation); n != len(submitted) {
			t.Errorf("%s: %d record_evaluation jobs, want %d", label, n, len(submitted))
		}
		if n := countJobsOf(t, f, projections.JobArchiveSession); n != len(submitted) {
			t.Errorf("%s: %d archive_session jobs, want %d", label, n, len(submitted))
		}
		for _, c := range submitted {
			var payload []byte
			err := f.db.Pool.QueryRow(ctx, `SELECT payload FROM jobs WHERE kind = $1 AND key = $2`,
				projections.JobRecordEvaluation, c.id.String()+"/"+domain.ScoringVersion).Scan(&payload)
			must(t, err)
			var job projections.RecordEvaluationJob
			must(t, json.Unmarshal(payload, &job))
			if job.InterviewID != c.id || job.ScoringVersion != domain.ScoringVersion {
				t.Errorf("%s: record_evaluation payload = %s", label, payload)
			}
			must(t, f.db.Pool.QueryRow(ctx, `SELECT payload FROM jobs WHERE kind = $1 AND key = $2`,
				projections.JobArchiveSession, c.id.String()).Scan(&payload))
			var archive projections.ArchiveSessionJob
			must(t, json.Unmarshal(payload, &archive))
			if archive.InterviewID != c.id.String() {
				t.Errorf("%s: archive_session payload = %s", label, payload)
			}
		}
		var forOpen int
		must(t, f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE key LIKE $1`, open.id.String()+"%").Scan(&forOpen))
		if forOpen != 0 {
			t.Errorf("%s: %d jobs for an interview never submitted", label, forOpen)
		}
	}
	checkJobs("live")

	// A rebuild reproduces every row byte for byte and enqueues nothing new.
	for round := range 2 {
		rebuild(t, e, "scoring")
		after := snapshotEvaluations(t, f)
		if len(after) != len(before) {
			t.Fatalf("rebuild %d: %d evaluations, want %d", round, len(after), len(before))
		}
		for i := range before {
			if after[i] != before[i] {
				t.Fatalf("rebuild %d changed an evaluation:\n got %+v\nwant %+v", round, after[i], before[i])
			}
		}
		checkJobs(fmt.Sprintf("after rebuild %d", round))
	}
	rebuild(t, e, "reactions")
	checkJobs("after rebuilding the reactions")

	// An evaluation recorded in the stream is announced once.
	c := submitted[0]
	v := readEvaluation(t, f, c)
	completed, err := domain.NewEventFrom(uuid.New(), &domain.EvaluationCompleted{ScoringVersion: v.ScoringVersion,
		OverallScore: v.OverallScore, Breakdown: v.Breakdown, Recommendation: v.Recommendation, Confidence: v.Confidence,
		PercentileRank: v.PercentileRank, CohortSize: v.CohortSize, RedFlags: v.RedFlags, GreenFlags: v.GreenFlags},
		domain.Metadata{Actor: domain.Actor{Kind: domain.ActorSystem}}, c.at.Add(time.Minute))
	must(t, err)
	res, err := f.store.Append(ctx, c.id, eventstore.AnyVersion, completed)
	must(t, err)
	f.catchUp(t, e)
	checkNotify := func(label string) {
		t.Helper()
		if n := countJobsOf(t, f, projections.JobNotifyEvaluation); n != 1 {
			t.Fatalf("%s: %d notify_evaluation jobs, want 1", label, n)
		}
		var payload []byte
		must(t, f.db.Pool.QueryRow(ctx, `SELECT payload FROM jobs WHERE kind = $1 AND key = $2`,
			projections.JobNotifyEvaluation, fmt.Sprintf("%s/%d", c.id, res.Version)).Scan(&payload))
		var job projections.NotifyEvaluationJob
		must(t, json.Unmarshal(payload, &job))
		if job.InterviewID != c.id.String() || job.Version != res.Version {
			t.Fatalf("%s: notify_evaluation payload = %s, want version %d", label, payload, res.Version)
		}
	}
	checkNotify("live")
	rebuild(t, e, "reactions")
	rebuild(t, e, "scoring")
	f.catchUp(t, e)
	checkNotify("after rebuilds")
	checkJobs("after the evaluation was recorded")
	if after := snapshotEvaluations(t, f); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("the recorded evaluation changed the read model:\n%v\n%v", after, before)
	}
	var total int
	must(t, f.db.Pool.QueryRow(ctx, `SELECT count(*) FROM jobs`).Scan(&total))
	if want := 2*len(submitted) + 1; total != want {
		t.Fatalf("%d jobs in all, want %d", total, want)
	}
}
