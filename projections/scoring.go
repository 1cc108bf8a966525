package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/adapters/jobs"
	"github.com/interviewlm/interviewlm/domain"
)

// Scoring evaluates every submitted interview (domain.Evaluate) and ranks it among the
// evaluated interviews of its assessment. The evaluation reads the interview's events up to its
// submission only, so a rebuild reproduces every evaluation exactly; the percentile is
// refreshed for the whole cohort whenever one more interview of the assessment is evaluated.
//
// Each new evaluation also enqueues the job that records it in the interview's stream as
// evaluation_completed (and so moves the candidate to EVALUATED and tells the organization's
// webhook). The job is keyed by interview and scoring version: a rebuild under the same rules
// enqueues nothing new, a rebuild under new rules records the re-evaluation.
type Scoring struct {
	// Analyze measures the final code (domain/codequality through cmd's wiring).
	Analyze domain.CodeAnalyzer
}

// JobRecordEvaluation is the kind of the job that appends evaluation_completed.
const JobRecordEvaluation = "record_evaluation"

// RecordEvaluationJob is that job's payload.
type RecordEvaluationJob struct {
	InterviewID    uuid.UUID `json:"interviewId"`
	ScoringVersion string    `json:"scoringVersion"`
}

// Name implements Projection.
func (Scoring) Name() string { return "scoring" }

// scoringTableVersion counts the changes of the evaluations table.
const scoringTableVersion = 1

// Version implements Projection: a change of the table or of the rules (domain.ScoringRevision)
// makes workers rebuild the read model, re-evaluating every interview. Both only grow.
func (Scoring) Version() int { return scoringTableVersion + domain.ScoringRevision - 1 }

// Tables implements Projection: one evaluation per interview.
func (Scoring) Tables() []Table {
	return []Table{{Name: "evaluations", Create: func(name string) string {
		return fmt.Sprintf(`CREATE TABLE %[1]s (
			interview_id       uuid             NOT NULL,
			candidate_id       uuid             NOT NULL,
			assessment_id      uuid             NOT NULL,
			organization_id    uuid             NOT NULL,
			scoring_version    text             NOT NULL,
			overall_score      double precision NOT NULL,
			recommendation     text             NOT NULL,
			evaluation         jsonb            NOT NULL,
			percentile_rank    double precision NOT NULL DEFAULT 50,
			cohort_size        integer          NOT NULL DEFAULT 1,
			submitted_position bigint           NOT NULL,
			submitted_at       timestamptz      NOT NULL,
			CONSTRAINT %[2]s PRIMARY KEY (interview_id));
			CREATE INDEX %[3]s ON %[1]s (assessment_id, overall_score)`,
			pgx.Identifier{name}.Sanitize(), pgx.Identifier{name + "_pkey"}.Sanitize(),
			pgx.Identifier{name + "_assessment_idx"}.Sanitize())
	}}}
}

// Apply implements Projection: each submission is evaluated from its stream, read through tx.
func (s Scoring) Apply(ctx context.Context, tx pgx.Tx, tables Tables, events []domain.RecordedEvent) error {
	table := tables.Of("evaluations")
	var cohorts []uuid.UUID
	for _, e := range events {
		if e.Type != domain.TypeInterviewSubmitted {
			continue
		}
		stream, err := readStream(ctx, tx, e.StreamID, e.Version)
		if err != nil {
			return fmt.Errorf("scoring: read interview %s: %w", e.StreamID, err)
		}
		started, err := startedOf(stream)
		if err != nil {
			return fmt.Errorf("scoring: interview %s: %w", e.StreamID, err)
		}
		ev, err := domain.Evaluate(stream, s.Analyze)
		if err != nil {
			return fmt.Errorf("scoring: interview %s: %w", e.StreamID, err)
		}
		doc, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+table+` (interview_id, candidate_id, assessment_id, organization_id,
				scoring_version, overall_score, recommendation, evaluation, submitted_position, submitted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (interview_id) DO UPDATE SET scoring_version = excluded.scoring_version,
				overall_score = excluded.overall_score, recommendation = excluded.recommendation,
				evaluation = excluded.evaluation, submitted_position = excluded.submitted_position,
				submitted_at = excluded.submitted_at`,
			e.StreamID, started.CandidateID, started.AssessmentID, started.OrganizationID, ev.ScoringVersion,
			ev.OverallScore, ev.Recommendation, doc, e.Position, e.OccurredAt); err != nil {
			return err
		}
		if _, err := jobs.Enqueue(ctx, tx, JobRecordEvaluation, e.StreamID.String()+"/"+ev.ScoringVersion,
			RecordEvaluationJob{InterviewID: e.StreamID, ScoringVersion: ev.ScoringVersion}); err != nil {
			return err
		}
		if !slices.Contains(cohorts, started.AssessmentID) {
			cohorts = append(cohorts, started.AssessmentID)
		}
	}
	// Percentile rank: the share of the others scoring lower, ties counting half. A cohort of
	// one sits at the median.
	for _, assessment := range cohorts {
		if _, err := tx.Exec(ctx, `UPDATE `+table+` AS t SET percentile_rank = r.pct, cohort_size = r.n
			FROM (SELECT interview_id, count(*) OVER () AS n,
				CASE WHEN count(*) OVER () = 1 THEN 50
				ELSE round((100.0 * ((rank() OVER (ORDER BY overall_score) - 1)
					+ (count(*) OVER (PARTITION BY overall_score) - 1) / 2.0) / (count(*) OVER () - 1))::numeric, 1)
				END AS pct
				FROM `+table+` WHERE assessment_id = $1) AS r
			WHERE t.interview_id = r.interview_id AND (t.percentile_rank, t.cohort_size) IS DISTINCT FROM (r.pct, r.n)`,
			assessment); err != nil {
			return fmt.Errorf("scoring: rank assessment %s: %w", assessment, err)
		}
	}
	return nil
}

// readStream returns an interview's events up to and including version, in order, as the
// evaluation reads them: cursor moves, which it does not read and which are the most frequent
// events, are left out, and of the metadata only the actor's kind is kept.
func readStream(ctx context.Context, q Querier, stream uuid.UUID, version int64) ([]domain.RecordedEvent, error) {
	rows, err := q.Query(ctx, `SELECT id, version, position, type, schema_version, payload,
			coalesce(metadata->'actor'->>'kind', ''), occurred_at, recorded_at
		FROM events WHERE stream_id = $1 AND version <= $2 AND type <> $3 ORDER BY version`, stream, version, domain.TypeCursor)
	if err != nil {
		return nil, err
	}
	var out []domain.RecordedEvent
	var (
		e     domain.RecordedEvent
		sv    int16
		actor string
	)
	_, err = pgx.ForEachRow(rows, []any{&e.ID, &e.Version, &e.Position, &e.Type, &sv, &e.Data, &actor, &e.OccurredAt, &e.RecordedAt}, func() error {
		ev := e
		ev.StreamID, ev.SchemaVersion = stream, int(sv)
		ev.Metadata = domain.Metadata{Actor: domain.Actor{Kind: domain.ActorKind(actor)}}
		out = append(out, ev) // pgx scans each payload into a buffer of its own

		return nil
	})
	return out, err
}

func startedOf(stream []domain.RecordedEvent) (*domain.InterviewStarted, error) {
	if len(stream) == 0 || stream[0].Type != domain.TypeInterviewStarted {
		return nil, errors.New("the stream does not start with interview_started")
	}
	data, err := domain.DecodeRecorded(stream[0])
	if err != nil {
		return nil, err
	}
	return data.(*domain.InterviewStarted), nil
}

// EvaluationView is an evaluation as the API shows it: the evaluation with its place in the
// cohort.
type EvaluationView struct {
	domain.Evaluation
	InterviewID    uuid.UUID `json:"interviewId"`
	CandidateID    uuid.UUID `json:"candidateId"`
	AssessmentID   uuid.UUID `json:"assessmentId"`
	PercentileRank float64   `json:"percentileRank"`
	CohortSize     int       `json:"cohortSize"`
}

// ReadEvaluation returns an interview's evaluation, ErrNotFound before there is one.
func ReadEvaluation(ctx context.Context, q Querier, interview uuid.UUID) (EvaluationView, error) {
	v := EvaluationView{InterviewID: interview}
	var doc []byte
	err := q.QueryRow(ctx, `SELECT candidate_id, assessment_id, evaluation, percentile_rank, cohort_size
		FROM evaluations WHERE interview_id = $1`, interview).Scan(&v.CandidateID, &v.AssessmentID, &doc, &v.PercentileRank, &v.CohortSize)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(doc, &v.Evaluation)
}

// EvaluationsReader reads the scoring read model (commands.EvaluationSource).
type EvaluationsReader struct{ DB Querier }

// Evaluation implements commands.EvaluationSource.
func (r EvaluationsReader) Evaluation(ctx context.Context, interview uuid.UUID) (domain.Evaluation, float64, int, error) {
	v, err := ReadEvaluation(ctx, r.DB, interview)
	return v.Evaluation, v.PercentileRank, v.CohortSize, err
}
