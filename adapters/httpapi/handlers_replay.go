package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
)

// Limits of GET /events.
const (
	// DefaultEventsLimit is the page size when the client names none.
	DefaultEventsLimit = 1000
	// MaxEventsLimit is the largest page; a larger limit is lowered to it, and nextAfter leads
	// the client on to the rest.
	MaxEventsLimit = 5000
)

// DefaultReplayMaxGap is the longest pause a paced replay makes between two events, in the
// viewer's time, unless maxGap says otherwise: an hour of idling should not play as an hour.
const DefaultReplayMaxGap = 5 * time.Second

// DefaultReplayHeartbeat is the longest a replay stream stays silent: proxies and browsers
// take a connection without traffic for a dead one.
const DefaultReplayHeartbeat = 15 * time.Second

// Replay stream tuning.
const (
	// replayPage is how many events the stream reads per query. The first page is smaller so
	// that the first frames leave at once even when the client resumes mid-stream.
	replayPage      = 5000
	replayFirstPage = 250
	// replayPoll is how often a following stream looks for new events; a new event reaches the
	// viewer within one poll.
	replayPoll = 200 * time.Millisecond
	// paceSlack is the shortest pause worth sleeping for: shorter ones are caught up by the
	// next, since pacing keeps a running schedule rather than sleeping gap by gap.
	paceSlack = time.Millisecond
	// paceResync is how late the stream may fall behind its schedule (a slow viewer) before the
	// schedule restarts from now, so that a stall is not followed by a burst.
	paceResync = time.Second
)

// teamOnlyTypes are the events of the hiring team's side, which a candidate never sees.
var teamOnlyTypes = []string{domain.TypeEvaluationCompleted, domain.TypeCandidateDecided, domain.TypeSessionArchived}

// getEvents lists an interview's events in log order, filtered and paged.
func (a *api) getEvents(c echo.Context) error {
	q, err := eventsQuery(c)
	if err != nil {
		return err
	}
	view := viewOf(c)
	q.ExcludeTypes = view.excluded()
	events, err := a.deps.Events.QueryStream(c.Request().Context(), currentInterview(c).ID, q)
	if err != nil {
		return err
	}
	body, err := view.eventsPage(events, q.Limit)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, body)
}

// eventsPage renders {"events":[…],"nextAfter":p} for a page of at most limit events.
func (v eventView) eventsPage(events []domain.RecordedEvent, limit int) ([]byte, error) {
	body := make([]byte, 0, 64+256*len(events))
	body = append(body, `{"events":[`...)
	for i := range events {
		if i > 0 {
			body = append(body, ',')
		}
		var err error
		if body, err = v.appendEvent(body, &events[i]); err != nil {
			return nil, err
		}
	}
	body = append(body, `],"nextAfter":`...)
	// A full page may have more behind it; a short one is the end.
	if n := len(events); n > 0 && n == limit {
		body = strconv.AppendInt(body, events[n-1].Position, 10)
	} else {
		body = append(body, "null"...)
	}
	return append(body, "}\n"...), nil
}

// eventsQuery reads the query string of GET /events.
func eventsQuery(c echo.Context) (eventstore.StreamQuery, error) {
	var q eventstore.StreamQuery
	params, err := readQuery(c, []string{"from", "to", "type", "checkpoints", "limit", "offset", "after"}, "type")
	if err != nil {
		return q, err
	}
	if q.From, err = params.time("from"); err != nil {
		return q, err
	}
	if q.To, err = params.time("to"); err != nil {
		return q, err
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return q, ValidationFailed("to", "to is before from")
	}
	if q.Types, err = params.eventTypes("type"); err != nil {
		return q, err
	}
	if q.KeyframesOnly, err = params.bool("checkpoints"); err != nil {
		return q, err
	}
	limit, err := params.int("limit", DefaultEventsLimit, 1)
	if err != nil {
		return q, err
	}
	q.Limit = int(min(limit, MaxEventsLimit))
	offset, err := params.int("offset", 0, 0)
	if err != nil {
		return q, err
	}
	q.Offset = int(offset)
	q.AfterPosition, err = params.int("after", 0, 0)
	return q, err
}

// getState answers the files of an interview at a moment: ?at=<position|RFC 3339|checkpoint
// id>, the latest state without it.
func (a *api) getState(c echo.Context) error {
	params, err := readQuery(c, []string{"at"})
	if err != nil {
		return err
	}
	ctx, interview := c.Request().Context(), currentInterview(c).ID
	var st projections.FileState
	if at, ok := params.value("at"); ok {
		position, err := a.moment(ctx, interview, "at", at)
		if err != nil {
			return err
		}
		st, err = a.stateAt(ctx, interview, position)
		if err != nil {
			return err
		}
	} else if st, err = projections.StateAt(ctx, a.deps.ReadModels, interview, 0); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, stateBody{Position: st.Position, Version: st.Version, Files: st.Files.ByName()})
}

// stateBody is the files of an interview at one moment, as GET /state answers them and the
// replay stream's first frame carries them.
type stateBody struct {
	Type     string            `json:"type,omitempty"`
	Position int64             `json:"position"`
	Version  int64             `json:"version"`
	Files    map[string]string `json:"files"`
}

// getCheckpoints lists the replay's keyframes: the moments a viewer can jump to cheaply.
func (a *api) getCheckpoints(c echo.Context) error {
	if _, err := readQuery(c, nil); err != nil {
		return err
	}
	list, err := projections.Checkpoints(c.Request().Context(), a.deps.ReadModels, currentInterview(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"checkpoints": list})
}

// getSnapshots lists the code snapshots with their hashes and diffs.
func (a *api) getSnapshots(c echo.Context) error {
	if _, err := readQuery(c, nil); err != nil {
		return err
	}
	list, err := projections.Snapshots(c.Request().Context(), a.deps.ReadModels, currentInterview(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"snapshots": list})
}

// moment resolves a point of an interview named by a log position, a checkpoint id (cp-N) or
// an RFC 3339 time to a log position; 0 is before the first event.
func (a *api) moment(ctx context.Context, interview uuid.UUID, param, value string) (int64, error) {
	if n, err := strconv.ParseInt(value, 10, 64); err == nil {
		if n < 0 {
			return 0, ValidationFailed(param, "a position is 0 or more")
		}
		return n, nil
	}
	if strings.HasPrefix(value, "cp-") {
		position, err := projections.CheckpointPosition(ctx, a.deps.ReadModels, interview, value)
		if errors.Is(err, projections.ErrNotFound) {
			return 0, ValidationFailed(param, fmt.Sprintf("this interview has no checkpoint %q; GET /checkpoints lists them", value))
		}
		return position, err
	}
	t, err := parseTime(value)
	if err != nil {
		return 0, invalidParameter(param, param+" must be a log position, a checkpoint id (cp-N) or an RFC 3339 time")
	}
	return projections.PositionAt(ctx, a.deps.ReadModels, interview, t)
}

// stateAt is the files after the interview's last event at or before position; position 0 is
// the empty editor before the first event (where projections.StateAt reads 0 as "the end").
func (a *api) stateAt(ctx context.Context, interview uuid.UUID, position int64) (projections.FileState, error) {
	if position == 0 {
		return projections.FileState{}, nil
	}
	return projections.StateAt(ctx, a.deps.ReadModels, interview, position)
}

// getReplay streams an interview as server-sent events: the files at the starting point, then
// every event after it in log order, optionally paced, optionally following the live session.
func (a *api) getReplay(c echo.Context) error {
	opts, err := readReplayOptions(c)
	if err != nil {
		return err
	}
	ctx, interview := c.Request().Context(), currentInterview(c).ID
	stream := &replayStream{
		ctx: ctx, c: c, log: a.deps.Events, interview: interview, view: viewOf(c),
		opts: opts, shuttingDown: a.shuttingDown, heartbeat: a.heartbeat,
		submitted: currentInterview(c).SubmittedAt != nil,
	}
	if opts.resume {
		return stream.run(nil, opts.lastEventID)
	}
	position, err := a.moment(ctx, interview, "from", opts.from)
	if err != nil {
		return err
	}
	st, err := a.stateAt(ctx, interview, position)
	if err != nil {
		return err
	}
	return stream.run(&st, 0)
}

// replayOptions are the query parameters of GET /replay.
type replayOptions struct {
	from   string
	speed  float64
	maxGap time.Duration
	follow bool
	// resume is set when the client reconnects (Last-Event-ID): the stream continues after
	// lastEventID, without a state frame.
	resume      bool
	lastEventID int64
}

func readReplayOptions(c echo.Context) (replayOptions, error) {
	opts := replayOptions{from: "0", maxGap: DefaultReplayMaxGap}
	params, err := readQuery(c, []string{"from", "speed", "follow", "maxGap", "lastEventId"})
	if err != nil {
		return opts, err
	}
	if from, ok := params.value("from"); ok {
		opts.from = from
	}
	if v, ok := params.value("speed"); ok {
		if opts.speed, err = strconv.ParseFloat(v, 64); err != nil {
			return opts, invalidParameter("speed", "speed must be a number, such as 2 or 0.5")
		}
		if opts.speed < 0 || math.IsInf(opts.speed, 0) || math.IsNaN(opts.speed) {
			return opts, ValidationFailed("speed", "speed is 0 (as fast as possible) or a positive factor")
		}
	}
	if v, ok := params.value("maxGap"); ok {
		if opts.maxGap, err = time.ParseDuration(v); err != nil {
			return opts, invalidParameter("maxGap", "maxGap must be a duration, such as 5s or 500ms")
		}
		if opts.maxGap < 0 {
			return opts, ValidationFailed("maxGap", "maxGap must not be negative")
		}
	}
	if opts.follow, err = params.bool("follow"); err != nil {
		return opts, err
	}
	// Browsers resend the last id they saw in the header; polyfills that cannot set headers
	// put it in the query. The header is the browser's own and wins.
	name, last := "Last-Event-ID", c.Request().Header.Get("Last-Event-ID")
	if last == "" {
		name, last = "lastEventId", params.get("lastEventId")
	}
	if last != "" {
		opts.resume = true
		if opts.lastEventID, err = strconv.ParseInt(strings.TrimSpace(last), 10, 64); err != nil || opts.lastEventID < 0 {
			return opts, invalidParameter(name, name+" must be the id of a frame of this stream: a log position")
		}
	}
	return opts, nil
}

// replayStream writes one replay response.
type replayStream struct {
	ctx          context.Context
	c            echo.Context
	log          EventLog
	interview    uuid.UUID
	view         eventView
	opts         replayOptions
	shuttingDown <-chan struct{}
	heartbeat    time.Duration
	// submitted is whether the interview is over: a following stream then ends once it has
	// caught up. Known from the interview's index at the start, or from the stream itself.
	submitted bool

	w         *bufio.Writer
	lastWrite time.Time
	// due is when the last paced event was due on the viewer's clock, and clock the moment of
	// the interview it showed; zero when pacing (re)starts.
	due, clock time.Time
}

// errStopped ends a stream whose viewer went away or whose server is shutting down.
var errStopped = errors.New("replay stopped")

// run writes the stream: the state frame and the events after it, or, when state is nil (a
// resuming client), the events after the position after.
func (r *replayStream) run(state *projections.FileState, after int64) error {
	startEventStream(r.c.Response())
	r.w = bufio.NewWriterSize(r.c.Response(), 64<<10)

	q := eventstore.StreamQuery{ExcludeTypes: r.view.excluded(), Limit: replayFirstPage}
	last := after
	if state != nil {
		if err := r.writeState(*state); err != nil {
			return r.end(err)
		}
		q.AfterVersion, last = state.Version, state.Position
	} else {
		q.AfterPosition = after
	}
	if err := r.flush(); err != nil {
		return r.end(err)
	}
	for {
		events, err := r.log.QueryStream(r.ctx, r.interview, q)
		if err != nil {
			return r.end(err)
		}
		for i := range events {
			r.submitted = r.submitted || events[i].Type == domain.TypeInterviewSubmitted
			if err := r.pace(&events[i]); err != nil {
				return r.end(err)
			}
			if err := r.writeEvent(&events[i]); err != nil {
				return r.end(err)
			}
		}
		full := len(events) == q.Limit
		if n := len(events); n > 0 {
			// Versions are an exact index range; the position was only needed to start.
			q.AfterPosition, q.AfterVersion, last = 0, events[n-1].Version, events[n-1].Position
		}
		q.Limit = replayPage
		if err := r.flush(); err != nil {
			return r.end(err)
		}
		if full {
			if r.stopped() {
				return nil
			}
			continue
		}
		// A submitted interview has nothing more to follow: the candidate can write no more,
		// and what the server adds (the evaluation, the archive) is not part of the session.
		if !r.opts.follow || r.submitted {
			if err := r.writeEnd(last); err != nil {
				return r.end(err)
			}
			return r.end(r.flush())
		}
		// Live events are shown as they come, not on the schedule of the recorded ones.
		r.due = time.Time{}
		if err := r.sleep(replayPoll); err != nil {
			return r.end(err)
		}
	}
}

// end turns how the stream stopped into the handler's result. The response is committed, so
// an error can only be logged; a viewer that left or a shutdown is no error at all.
func (r *replayStream) end(err error) error {
	if err == nil || errors.Is(err, errStopped) || r.ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("replay of %s: %w", r.interview, err)
}

func (r *replayStream) stopped() bool {
	select {
	case <-r.ctx.Done():
		return true
	case <-r.shuttingDown:
		return true
	default:
		return false
	}
}

// sleep waits d, sending heartbeats while it does; errStopped when the viewer leaves or the
// server shuts down meanwhile.
func (r *replayStream) sleep(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		now := time.Now()
		wait := deadline.Sub(now)
		if wait <= 0 {
			return nil
		}
		beat := r.lastWrite.Add(r.heartbeat).Sub(now)
		if beat <= 0 {
			if _, err := r.w.WriteString(": ping\n\n"); err != nil {
				return err
			}
			if err := r.flush(); err != nil {
				return err
			}
			continue
		}
		timer := time.NewTimer(min(wait, beat))
		select {
		case <-r.ctx.Done():
			timer.Stop()
			return errStopped
		case <-r.shuttingDown:
			timer.Stop()
			return errStopped
		case <-timer.C:
		}
	}
}

// pace waits until e is due: the gaps between events' occurred_at divided by the speed, each
// capped at maxGap. Without a speed it does not wait.
func (r *replayStream) pace(e *domain.RecordedEvent) error {
	if r.opts.speed <= 0 {
		return nil
	}
	now := time.Now()
	if r.due.IsZero() {
		r.due, r.clock = now, e.OccurredAt
		return nil
	}
	// Client clocks are not monotonic: an event stamped earlier than the one before it comes
	// without a pause, and the next one is measured from the latest moment shown.
	gap := e.OccurredAt.Sub(r.clock)
	if gap <= 0 {
		return nil
	}
	r.clock = e.OccurredAt
	wait := r.opts.maxGap
	if scaled := float64(gap) / r.opts.speed; scaled < float64(wait) {
		wait = time.Duration(scaled)
	}
	r.due = r.due.Add(wait)
	ahead := r.due.Sub(now)
	if ahead < -paceResync {
		r.due = now
	}
	if ahead < paceSlack {
		return nil
	}
	if err := r.flush(); err != nil {
		return err
	}
	return r.sleep(ahead)
}

// flush sends what is buffered. The first flush goes out even when empty, so that the client
// sees the stream open before there is anything to send.
func (r *replayStream) flush() error {
	if r.w.Buffered() == 0 && !r.lastWrite.IsZero() {
		return nil
	}
	if err := r.w.Flush(); err != nil {
		return err
	}
	r.lastWrite = time.Now()
	return http.NewResponseController(r.c.Response()).Flush()
}

// writeState writes the first frame: {"type":"state","position","version","files"}.
func (r *replayStream) writeState(st projections.FileState) error {
	var frame bytes.Buffer
	frame.WriteString("id: ")
	frame.WriteString(strconv.FormatInt(st.Position, 10))
	frame.WriteString("\ndata: ")
	enc := json.NewEncoder(&frame)
	enc.SetEscapeHTML(false) // files are source code, full of < > &
	if err := enc.Encode(stateBody{Type: "state", Position: st.Position, Version: st.Version, Files: st.Files.ByName()}); err != nil {
		return err
	}
	frame.WriteString("\n") // Encode ended the data line; a blank line ends the frame
	_, err := r.w.Write(frame.Bytes())
	return err
}

// writeEvent writes {"type":"event","event":{…}}, the event as GET /events lists it, with its
// position as the frame's id so that a reconnecting browser resumes right after it.
func (r *replayStream) writeEvent(e *domain.RecordedEvent) error {
	b := r.w.AvailableBuffer()
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, e.Position, 10)
	b = append(b, "\ndata: {\"type\":\"event\",\"event\":"...)
	b, err := r.view.appendEvent(b, e)
	if err != nil {
		return err
	}
	b = append(b, "}\n\n"...)
	_, err = r.w.Write(b)
	return err
}

// writeEnd writes {"type":"end","position"}, after which the stream closes. It has no id: it
// is not a place to resume from.
func (r *replayStream) writeEnd(position int64) error {
	b := r.w.AvailableBuffer()
	b = append(b, `data: {"type":"end","position":`...)
	b = strconv.AppendInt(b, position, 10)
	b = append(b, "}\n\n"...)
	_, err := r.w.Write(b)
	return err
}

// eventView is what a caller sees of an interview's events. The hiring team sees everything.
// A candidate sees their own session, but neither the input and outputs of hidden tests nor
// the team's side (evaluation, decision, archive).
type eventView struct {
	candidate bool
}

func viewOf(c echo.Context) eventView {
	p, _ := CurrentPrincipal(c)
	return eventView{candidate: p.Kind == PrincipalCandidate}
}

// excluded lists the event types the view never shows; the query leaves them out, so that
// pages stay full.
func (v eventView) excluded() []string {
	if v.candidate {
		return teamOnlyTypes
	}
	return nil
}

// data is the payload the view shows of e.
func (v eventView) data(e *domain.RecordedEvent) (json.RawMessage, error) {
	if !v.candidate {
		return e.Data, nil
	}
	switch e.Type {
	case domain.TypeTestRun:
		return keepOfHidden(e.Data, "results", "name", "passed", "verdict", "durationMs", "hidden")
	case domain.TypeQuestionServed:
		return keepOfHidden(e.Data, "testCases", "name", "hidden")
	}
	return e.Data, nil
}

// appendEvent appends the JSON of one event as the API shows it:
// {"id","type","version","position","timestamp","recordedAt","data","actor":{"kind","id"}}.
// It is written by hand because it is the hot path of a replay: the payload is already JSON
// and is copied, not decoded and encoded again. Of the metadata only the actor is shown;
// correlation ids and organization ids are internal.
func (v eventView) appendEvent(b []byte, e *domain.RecordedEvent) ([]byte, error) {
	data, err := v.data(e)
	if err != nil {
		return b, fmt.Errorf("event %s: %w", e.ID, err)
	}
	b = append(b, `{"id":"`...)
	b = appendUUID(b, e.ID)
	b = append(b, `","type":`...)
	b = appendJSONString(b, e.Type)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, e.Version, 10)
	b = append(b, `,"position":`...)
	b = strconv.AppendInt(b, e.Position, 10)
	b = append(b, `,"timestamp":"`...)
	b = e.OccurredAt.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","recordedAt":"`...)
	b = e.RecordedAt.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","data":`...)
	if b, err = appendRawJSON(b, data); err != nil {
		return b, fmt.Errorf("event %s: %w", e.ID, err)
	}
	b = append(b, `,"actor":{"kind":`...)
	b = appendJSONString(b, string(e.Metadata.Actor.Kind))
	if id := e.Metadata.Actor.ID; id != "" {
		b = append(b, `,"id":`...)
		b = appendJSONString(b, id)
	}
	return append(b, "}}"...), nil
}

// keepOfHidden keeps, of each item of data's list field that is marked hidden, only the keep
// fields. Other items and fields are left as they are.
func keepOfHidden(data json.RawMessage, list string, keep ...string) (json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	raw, ok := obj[list]
	if !ok {
		return data, nil
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%s: %w", list, err)
	}
	changed := false
	for i, item := range items {
		if !bytes.Equal(bytes.TrimSpace(item["hidden"]), []byte("true")) {
			continue
		}
		kept := make(map[string]json.RawMessage, len(keep))
		for _, k := range keep {
			if v, ok := item[k]; ok {
				kept[k] = v
			}
		}
		items[i], changed = kept, true
	}
	if !changed {
		return data, nil
	}
	var err error
	if obj[list], err = marshalJSON(items); err != nil {
		return nil, err
	}
	return marshalJSON(obj)
}

// marshalJSON is json.Marshal without HTML escaping, which would only bloat source code.
func marshalJSON(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// appendRawJSON appends a payload as it is, unless it spans lines: an event-stream frame ends
// a line at CR or LF, so a payload must be on one. Postgres never writes jsonb over several
// lines, but an upcaster might.
func appendRawJSON(b []byte, data json.RawMessage) ([]byte, error) {
	if len(data) == 0 {
		return append(b, "null"...), nil
	}
	if bytes.IndexByte(data, '\n') < 0 && bytes.IndexByte(data, '\r') < 0 {
		return append(b, data...), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return b, err
	}
	return append(b, buf.Bytes()...), nil
}

// appendJSONString appends s as a JSON string. Event types and actors are plain ASCII, which
// is copied; anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			quoted, _ := json.Marshal(s) // a string always marshals
			return append(b, quoted...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendUUID appends id in its canonical form without allocating.
func appendUUID(b []byte, id uuid.UUID) []byte {
	const digits = "0123456789abcdef"
	for i, x := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, digits[x>>4], digits[x&0x0f])
	}
	return b
}

// queryParams is a query string read strictly: a misspelt or repeated parameter answers 400
// instead of being ignored, so that a client's mistake cannot pass for an empty result.
type queryParams url.Values

// readQuery reads the query string of a route that takes the names parameters, of which the
// repeatable ones may appear more than once.
func readQuery(c echo.Context, names []string, repeatable ...string) (queryParams, error) {
	values, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return nil, invalidParameter("", "the query string is malformed")
	}
	for name, vs := range values {
		if !slices.Contains(names, name) {
			if len(names) == 0 {
				return nil, invalidParameter(name, fmt.Sprintf("unknown parameter %q: this route takes none", name))
			}
			return nil, invalidParameter(name, fmt.Sprintf("unknown parameter %q: this route takes %s", name, strings.Join(names, ", ")))
		}
		if len(vs) > 1 && !slices.Contains(repeatable, name) {
			return nil, invalidParameter(name, fmt.Sprintf("parameter %q is given more than once", name))
		}
	}
	return queryParams(values), nil
}

// invalidParameter is a 400 for a query parameter that cannot be read at all; one that reads
// but is out of range is a 422 (ValidationFailed). Both name the parameter in details.field.
func invalidParameter(name, message string) *Error {
	return NewError(http.StatusBadRequest, "invalid_parameter", message).WithDetail("field", name)
}

// value is a parameter's value; an empty one (?from=) counts as not given, as clients that
// build query strings from optional fields send them.
func (q queryParams) value(name string) (string, bool) {
	vs := q[name]
	if len(vs) == 0 || vs[0] == "" {
		return "", false
	}
	return vs[0], true
}

func (q queryParams) get(name string) string {
	v, _ := q.value(name)
	return v
}

// int reads an integer parameter that is at least lowest; def when absent.
func (q queryParams) int(name string, def, lowest int64) (int64, error) {
	v, ok := q.value(name)
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, invalidParameter(name, name+" must be an integer")
	}
	if n < lowest {
		return 0, ValidationFailed(name, fmt.Sprintf("%s must be %d or more", name, lowest))
	}
	return n, nil
}

// bool reads a boolean parameter; present without a value (?follow) it is true.
func (q queryParams) bool(name string) (bool, error) {
	if _, present := q[name]; !present {
		return false, nil
	}
	v, ok := q.value(name)
	if !ok {
		return true, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalidParameter(name, name+" must be true or false")
	}
	return b, nil
}

// time reads an RFC 3339 time parameter; the zero time when absent.
func (q queryParams) time(name string) (time.Time, error) {
	v, ok := q.value(name)
	if !ok {
		return time.Time{}, nil
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, invalidParameter(name, name+" must be an RFC 3339 time, such as 2026-03-01T09:30:00Z")
	}
	return t, nil
}

// parseTime reads an RFC 3339 time. A '+' of a zone offset that the client did not escape
// arrives as a space, and is read as the '+' it was.
func parseTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil && strings.Contains(v, " ") {
		t, err = time.Parse(time.RFC3339Nano, strings.ReplaceAll(v, " ", "+"))
	}
	return t, err
}

// eventTypes reads a list of event types: comma-separated, the parameter possibly repeated.
func (q queryParams) eventTypes(name string) ([]string, error) {
	var out []string
	for _, v := range q[name] {
		if v == "" {
			continue
		}
		for _, typ := range strings.Split(v, ",") {
			typ = strings.TrimSpace(typ)
			if typ == "" {
				return nil, ValidationFailed(name, "an empty event type in the list")
			}
			if _, ok := domain.Lookup(typ); !ok {
				return nil, ValidationFailed(name, fmt.Sprintf("unknown event type %q", typ)).WithDetail("value", typ)
			}
			if !slices.Contains(out, typ) {
				out = append(out, typ)
			}
		}
	}
	return out, nil
}
