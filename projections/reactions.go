package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/interviewlm/interviewlm/adapters/jobs"
	"github.com/interviewlm/interviewlm/domain"
)

// Reactions is the process manager of the log: it owns no read model, and turns events into
// jobs (adapters/jobs) in the transaction that advances its checkpoint, so each job is
// enqueued exactly once. A rebuild enqueues nothing twice: jobs are keyed.
type Reactions struct{}

// Jobs the reactions enqueue.
const (
	// JobArchiveSession archives an interview once it is submitted, by the candidate or on
	// their behalf when time ran out.
	JobArchiveSession = "archive_session"
	// JobNotifyEvaluation announces a recorded evaluation to the organization's webhook.
	JobNotifyEvaluation = "notify_evaluation"
)

// NotifyEvaluationJob is the payload of JobNotifyEvaluation: the evaluation_completed event.
type NotifyEvaluationJob struct {
	InterviewID string `json:"interviewId"`
	Version     int64  `json:"version"`
}

// ArchiveSessionJob is the payload of JobArchiveSession.
type ArchiveSessionJob struct {
	InterviewID string `json:"interviewId"`
}

// Name implements Projection.
func (Reactions) Name() string { return "reactions" }

// Version implements Projection.
func (Reactions) Version() int { return 1 }

// Tables implements Projection: none, the jobs table is the queue's.
func (Reactions) Tables() []Table { return nil }

// Apply implements Projection.
func (Reactions) Apply(ctx context.Context, tx pgx.Tx, _ Tables, events []domain.RecordedEvent) error {
	for _, e := range events {
		switch e.Type {
		case domain.TypeInterviewSubmitted:
			if _, err := jobs.Enqueue(ctx, tx, JobArchiveSession, e.StreamID.String(), ArchiveSessionJob{InterviewID: e.StreamID.String()}); err != nil {
				return err
			}
		case domain.TypeEvaluationCompleted:
			if _, err := jobs.Enqueue(ctx, tx, JobNotifyEvaluation, fmt.Sprintf("%s/%d", e.StreamID, e.Version),
				NotifyEvaluationJob{InterviewID: e.StreamID.String(), Version: e.Version}); err != nil {
				return err
			}
		}
	}
	return nil
}
