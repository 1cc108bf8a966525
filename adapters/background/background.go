// Package background runs the work that follows from the log, outside any request: the jobs
// the projections enqueue (recording evaluations, archiving sessions, announcing evaluations to
// webhooks), the webhook deliveries, and the submission of interviews whose time is up. Any
// number of processes may run it: jobs are claimed with SKIP LOCKED, deliveries likewise, and a
// submission refuses to happen twice.
package background

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/jobs"
	"github.com/interviewlm/interviewlm/adapters/webhook"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// Deps are what the background work uses. Archives may be nil (no archiving); the rest is
// required.
type Deps struct {
	Pool      *pgxpool.Pool
	Store     *eventstore.Store
	Directory *directory.Store
	Archives  commands.BlobPutter
	Webhooks  *webhook.Queue
	Submit    *commands.SubmitInterviewHandler
	// PublicURL is where the API is reached, for links in webhook payloads.
	PublicURL string
	Logger    *slog.Logger
	Now       func() time.Time
	// Intervals; zero takes the default.
	JobsInterval, WebhookInterval, AutoSubmitInterval time.Duration
}

// Worker is the background work of one process.
type Worker struct {
	d      Deps
	runner *jobs.Runner
}

// New wires the job handlers.
func New(d Deps) (*Worker, error) {
	if d.Pool == nil || d.Store == nil || d.Directory == nil || d.Webhooks == nil || d.Submit == nil {
		return nil, errors.New("background: Pool, Store, Directory, Webhooks and Submit are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.JobsInterval = cmp(d.JobsInterval, time.Second)
	d.WebhookInterval = cmp(d.WebhookInterval, 2*time.Second)
	d.AutoSubmitInterval = cmp(d.AutoSubmitInterval, 15*time.Second)

	record, err := commands.NewRecordEvaluationHandler(projections.EvaluationsReader{DB: d.Pool}, d.Store, d.Now)
	if err != nil {
		return nil, err
	}
	notify, err := commands.NewNotifyEvaluationHandler(d.Store, func(ctx context.Context, org uuid.UUID, event, key string, payload []byte) error {
		_, err := d.Webhooks.Enqueue(ctx, nil, org, event, key, payload)
		return err
	}, d.PublicURL)
	if err != nil {
		return nil, err
	}
	handlers := map[string]jobs.Handler{
		projections.JobRecordEvaluation: func(ctx context.Context, _ string, payload json.RawMessage) error {
			var j projections.RecordEvaluationJob
			if err := json.Unmarshal(payload, &j); err != nil {
				return &jobs.PermanentError{Err: err}
			}
			_, err := record.Handle(ctx, j.InterviewID, j.ScoringVersion)
			return err
		},
		projections.JobNotifyEvaluation: func(ctx context.Context, _ string, payload json.RawMessage) error {
			var j projections.NotifyEvaluationJob
			if err := json.Unmarshal(payload, &j); err != nil {
				return &jobs.PermanentError{Err: err}
			}
			id, err := uuid.Parse(j.InterviewID)
			if err != nil {
				return &jobs.PermanentError{Err: err}
			}
			return notify.Handle(ctx, id, j.Version)
		},
	}
	if d.Archives != nil {
		archive, err := commands.NewArchiveSessionHandler(d.Store, d.Store, d.Archives, d.Store.Lock, d.Now)
		if err != nil {
			return nil, err
		}
		handlers[projections.JobArchiveSession] = func(ctx context.Context, key string, _ json.RawMessage) error {
			id, err := uuid.Parse(key)
			if err != nil {
				return &jobs.PermanentError{Err: err}
			}
			rec, err := archive.Handle(ctx, id)
			if err == nil {
				d.Logger.Info("session archived", "interview", id, "key", rec.Key, "bytes", rec.SizeBytes, "compressed", rec.CompressedBytes)
			}
			return err
		}
	}
	runner, err := jobs.NewRunner(d.Pool, handlers, jobs.Options{Logger: d.Logger, Now: d.Now})
	if err != nil {
		return nil, err
	}
	return &Worker{d: d, runner: runner}, nil
}

func cmp(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// Run runs the background work until ctx ends, and returns once all of it has stopped.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { w.runner.Run(ctx, w.d.JobsInterval) })
	wg.Go(func() { w.d.Webhooks.Run(ctx, w.d.WebhookInterval) })
	wg.Go(func() { w.submitExpired(ctx) })
	wg.Wait()
}

// submitExpired submits, with what was last saved, the interviews whose time ran out while the
// candidate was away: a process manager on the interviews' deadlines.
func (w *Worker) submitExpired(ctx context.Context) {
	tick := time.NewTicker(w.d.AutoSubmitInterval)
	defer tick.Stop()
	for {
		w.SubmitExpired(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// SubmitExpired submits the interviews past their deadline now, and returns how many it did.
func (w *Worker) SubmitExpired(ctx context.Context) int {
	due, err := w.d.Directory.InterviewsPastDeadline(ctx, w.d.Now(), 50)
	if err != nil && ctx.Err() == nil {
		w.d.Logger.Warn("auto-submit: listing interviews past their deadline failed", "err", err)
	}
	n := 0
	for _, interview := range due {
		_, err := w.d.Submit.Handle(ctx, commands.SubmitInterview{Interview: interview, Reason: "time_expired"})
		switch {
		case err == nil:
			n++
			w.d.Logger.Info("interview submitted automatically: time is up", "interview", interview.ID)
		case errors.Is(err, domain.ErrInterviewSubmitted):
		case ctx.Err() == nil:
			w.d.Logger.Warn("auto-submit failed", "interview", interview.ID, "err", err)
		}
	}
	return n
}
