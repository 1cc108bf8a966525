package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/interviewlm/interviewlm/adapters/postgres"
	"github.com/interviewlm/interviewlm/adapters/postgres/pgtest"
)

// server is the interviewlm binary running against a scratch database, as in production: a
// separate process the load generator talks to over HTTP.
type server struct {
	url    string
	cmd    *exec.Cmd
	dbURL  string
	drop   func(context.Context) error
	client *http.Client
}

// serverBinary is the interviewlm binary the parts run, built once per run of ilmbench.
var serverBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ilmbench")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "interviewlm")
	build := exec.Command("go", "build", "-o", bin, "./cmd/interviewlm")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build the server: %w", err)
	}
	return bin, nil
})

// startServer runs the server on a scratch database; env are extra NAME=value settings.
func startServer(ctx context.Context, env ...string) (*server, error) {
	bin, err := serverBinary()
	if err != nil {
		return nil, err
	}
	dbURL, drop, err := postgres.CreateScratchDatabase(ctx, pgtest.AdminURL(), "ilm_bench_")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "HTTP_ADDR="+addr, "LOG_LEVEL=warn", "DB_MAX_CONNS=40",
		"PASSWORD_HASH_MEMORY_KIB=8192", "PASSWORD_HASH_TIME=1", "APP_BASE_URL=http://"+addr,
		"DEBUG_ADDR="+os.Getenv("ILMBENCH_SERVER_DEBUG_ADDR"))
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{url: "http://" + addr, cmd: cmd, dbURL: dbURL, drop: drop, client: &http.Client{
		Transport: &http.Transport{MaxIdleConns: 2000, MaxIdleConnsPerHost: 2000, IdleConnTimeout: time.Minute},
		Timeout:   30 * time.Second,
	}}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := s.client.Get(s.url + "/api/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("the server did not become healthy")
		}
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
	_ = s.drop(context.Background())
}

// call sends a JSON request and decodes the JSON answer; it fails on an unexpected status.
func (s *server) call(method, path, token string, body any, want int, into any) error {
	return s.callCtx(context.Background(), method, path, token, body, want, into)
}

// callCtx is call, ended with ctx.
func (s *server) callCtx(ctx context.Context, method, path, token string, body any, want int, into any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, s.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if into != nil {
		return json.Unmarshal(raw, into)
	}
	return nil
}

// candidate is a started interview and its candidate token.
type candidate struct{ interview, token string }

// benchPassword is the password of every account the benchmark registers.
const benchPassword = "benchmark!"

// newTeam registers an account and signs it in, creates its organization and the assessment,
// and publishes it; it returns the account's token and the assessment's id.
func (s *server) newTeam(assessment map[string]any) (token, assessmentID string, err error) {
	email := "bench-" + uuid.NewString()[:8] + "@example.com"
	if err := s.call("POST", "/api/auth/register", "", map[string]any{"name": "Bench", "email": email, "password": benchPassword}, 201, nil); err != nil {
		return "", "", err
	}
	var login struct{ Token string }
	if err := s.call("POST", "/api/auth/login", "", map[string]any{"email": email, "password": benchPassword}, 200, &login); err != nil {
		return "", "", err
	}
	var org struct{ Organization struct{ ID string } }
	if err := s.call("POST", "/api/orgs", login.Token, map[string]any{"name": "Bench " + uuid.NewString()[:6]}, 201, &org); err != nil {
		return "", "", err
	}
	var a struct{ Assessment struct{ ID string } }
	if err := s.call("POST", "/api/orgs/"+org.Organization.ID+"/assessments", login.Token, assessment, 201, &a); err != nil {
		return "", "", err
	}
	if err := s.call("PATCH", "/api/assessments/"+a.Assessment.ID, login.Token, map[string]any{"status": "PUBLISHED"}, 200, nil); err != nil {
		return "", "", err
	}
	return login.Token, a.Assessment.ID, nil
}

// startCandidate invites candidate i to the assessment and starts their interview.
func (s *server) startCandidate(token, assessmentID string, i int) (candidate, error) {
	var inv struct{ InviteToken string }
	if err := s.call("POST", "/api/assessments/"+assessmentID+"/candidates", token,
		map[string]any{"name": fmt.Sprintf("Candidate %d", i), "email": fmt.Sprintf("c%d@bench.example", i)}, 201, &inv); err != nil {
		return candidate{}, err
	}
	var started struct{ InterviewID, Token string }
	if err := s.call("POST", "/api/invites/"+inv.InviteToken+"/start", "", nil, 201, &started); err != nil {
		return candidate{}, err
	}
	return candidate{interview: started.InterviewID, token: started.Token}, nil
}

// setUpInterviews creates a team, a published assessment and n started interviews.
func (s *server) setUpInterviews(n int) ([]candidate, error) {
	token, assessment, err := s.newTeam(map[string]any{"title": "Load", "durationMinutes": 480})
	if err != nil {
		return nil, err
	}
	out := make([]candidate, n)
	var wg sync.WaitGroup
	var failure atomic.Value
	next := atomic.Int64{}
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				c, err := s.startCandidate(token, assessment, i)
				if err != nil {
					failure.Store(err)
					return
				}
				out[i] = c
			}
		})
	}
	wg.Wait()
	if err, ok := failure.Load().(error); ok {
		return nil, err
	}
	return out, nil
}

func keystrokeBatch(offset *int, n int) map[string]any {
	events := make([]map[string]any, n)
	for i := range events {
		text := string(rune('a' + rand.IntN(26)))
		if rand.IntN(12) == 0 {
			text = "\n"
		}
		events[i] = map[string]any{"id": uuid.NewString(), "type": "keystroke", "timestamp": time.Now().UTC(),
			"data": map[string]any{"fileId": "solution.py", "changes": []map[string]any{{"offset": *offset, "deleteCount": 0, "text": text}}}}
		*offset++
	}
	return map[string]any{"events": events}
}

// ingestBench runs candidates typing 5 keystrokes a second, sent in one batch a second, for
// o.ingestFor, and measures what the server sustains, its latency and the projections' lag.
func ingestBench(ctx context.Context, o options, out io.Writer) error {
	s, err := startServer(ctx)
	if err != nil {
		return err
	}
	defer s.stop()
	fmt.Fprintf(os.Stderr, "  ingest: starting %d interviews\n", o.candidates)
	cands, err := s.setUpInterviews(o.candidates)
	if err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, s.dbURL, postgres.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	defer pool.Close()

	fmt.Fprintf(os.Stderr, "  ingest: %d candidates typing for %s\n", o.candidates, o.ingestFor)
	runCtx, cancel := context.WithTimeout(ctx, o.ingestFor)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		lags      []time.Duration
		accepted  atomic.Int64
		failures  atomic.Int64
		firstErr  atomic.Value
		wg        sync.WaitGroup
	)
	start := time.Now()
	for _, c := range cands {
		wg.Go(func() {
			offset := 0
			// Stagger the candidates over the first second, as real ones would be.
			select {
			case <-time.After(time.Duration(rand.Int64N(int64(time.Second)))):
			case <-runCtx.Done():
				return
			}
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			local := make([]time.Duration, 0, 64)
			for {
				body := keystrokeBatch(&offset, 5)
				t0 := time.Now()
				var res struct{ Accepted int }
				err := s.call("POST", "/api/interview/"+c.interview+"/events", c.token, body, 201, &res)
				if err != nil {
					if runCtx.Err() != nil {
						break
					}
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				} else {
					local = append(local, time.Since(t0))
					accepted.Add(int64(res.Accepted))
				}
				select {
				case <-runCtx.Done():
				case <-tick.C:
					continue
				}
				break
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		})
	}
	// Lag: how long ago the oldest event a projection has not applied was recorded.
	wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
			}
			var lagMs *float64
			err := pool.QueryRow(runCtx, `SELECT max(lag) FROM (
				SELECT (SELECT extract(epoch FROM clock_timestamp() - min(e.recorded_at)) * 1000 FROM events e
					WHERE (e.transaction_id, e.position) > (c.transaction_id, c.position)) AS lag
				FROM projection_checkpoints c WHERE c.name NOT LIKE '%#rebuild') l`).Scan(&lagMs)
			if err != nil {
				continue
			}
			lag := time.Duration(0)
			if lagMs != nil {
				lag = time.Duration(*lagMs * float64(time.Millisecond))
			}
			mu.Lock()
			lags = append(lags, lag)
			mu.Unlock()
		}
	})
	wg.Wait()
	elapsed := time.Since(start)
	if err, ok := firstErr.Load().(error); ok {
		fmt.Fprintf(os.Stderr, "  ingest: %d failed POSTs, first: %v\n", failures.Load(), err)
	}
	slices.Sort(latencies)
	slices.Sort(lags)
	rate := float64(accepted.Load()) / elapsed.Seconds()
	offered := float64(o.candidates * 5)
	p99, lag99 := percentile(latencies, 0.99), percentile(lags, 0.99)
	fmt.Fprintf(out, "Ingestion over HTTP: %d candidates × 5 keystrokes/s in 1-s batches for %s (offered %.0f events/s)\n", o.candidates, o.ingestFor, offered)
	fmt.Fprintf(out, "  sustained %.0f events/s (%.2f of offered), %d POSTs failed\n", rate, rate/offered, failures.Load())
	fmt.Fprintf(out, "  POST latency p50 %s, p99 %s   target p99 < 50 ms %s\n", percentile(latencies, 0.5).Round(100*time.Microsecond),
		p99.Round(100*time.Microsecond), verdict(p99 < 50*time.Millisecond && failures.Load() == 0))
	fmt.Fprintf(out, "  projection lag p50 %s, p99 %s (worst of all projections, sampled every 100 ms)   target p99 < 1 s %s\n\n",
		percentile(lags, 0.5).Round(time.Millisecond), lag99.Round(time.Millisecond), verdict(lag99 < time.Second))
	return nil
}

// replayBench records one interview of o.replayEvents events and measures the replay stream:
// time to the first frame from random moments, and events per second streamed unpaced.
func replayBench(ctx context.Context, o options, out io.Writer) error {
	s, err := startServer(ctx)
	if err != nil {
		return err
	}
	defer s.stop()
	cands, err := s.setUpInterviews(1)
	if err != nil {
		return err
	}
	c := cands[0]
	fmt.Fprintf(os.Stderr, "  replay: recording a %d-event interview\n", o.replayEvents)
	offset := 0
	var last struct{ LastPosition int64 }
	first := int64(0)
	for sent := 0; sent < o.replayEvents; sent += 1000 {
		body := keystrokeBatch(&offset, min(1000, o.replayEvents-sent))
		if err := s.call("POST", "/api/interview/"+c.interview+"/events", c.token, body, 201, &last); err != nil {
			return err
		}
		if first == 0 {
			first = last.LastPosition - 999
		}
	}
	// Let every projection catch up, so that seeks start from keyframes and the measurement
	// does not share the machine with the workers' backlog.
	if err := s.waitCaughtUp(2 * time.Minute); err != nil {
		return err
	}

	firstFrame := make([]time.Duration, 0, 50)
	for range 50 {
		from := first + rand.Int64N(last.LastPosition-first)
		t0 := time.Now()
		resp, err := s.stream(ctx, c, "from="+strconv.FormatInt(from, 10))
		if err != nil {
			return err
		}
		r := bufio.NewReaderSize(resp.Body, 1<<16)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				resp.Body.Close()
				return fmt.Errorf("replay from %d: %w", from, err)
			}
			if strings.HasPrefix(line, "data:") {
				break
			}
		}
		firstFrame = append(firstFrame, time.Since(t0))
		resp.Body.Close()
	}
	slices.Sort(firstFrame)

	// Three full streams; the median is reported (the first one also warms the server's heap).
	var runs []time.Duration
	events := 0
	for range 3 {
		t0 := time.Now()
		resp, err := s.stream(ctx, c, "")
		if err != nil {
			return err
		}
		// The client only counts frames, in large reads, so that what is measured is the server.
		events = 0
		buf := make([]byte, 1<<20)
		var carry []byte
		frame := []byte("\ndata: {\"type\":\"event\"")
		for {
			n, err := resp.Body.Read(buf)
			chunk := append(carry, buf[:n]...)
			events += bytes.Count(chunk, frame)
			if bytes.Contains(chunk, []byte(`"type":"end"`)) || err != nil {
				break
			}
			carry = append(carry[:0], chunk[max(0, len(chunk)-32):]...)
			events -= bytes.Count(carry, frame)
		}
		resp.Body.Close()
		runs = append(runs, time.Since(t0))
	}
	slices.Sort(runs)
	took := runs[1]
	rate := float64(events) / took.Seconds()
	p99 := percentile(firstFrame, 0.99)
	fmt.Fprintf(out, "Replay of a %d-event interview over HTTP (SSE)\n", o.replayEvents)
	fmt.Fprintf(out, "  time to first frame from a random moment: p50 %s, p99 %s   target < 50 ms %s\n",
		percentile(firstFrame, 0.5).Round(100*time.Microsecond), p99.Round(100*time.Microsecond), verdict(p99 < 50*time.Millisecond))
	fmt.Fprintf(out, "  streamed unpaced: %d events in %s (median of %s, %s, %s) = %.0f events/s   target ≥ 200,000 %s\n\n",
		events, took.Round(time.Millisecond), runs[0].Round(time.Millisecond), runs[1].Round(time.Millisecond),
		runs[2].Round(time.Millisecond), rate, verdict(rate >= 200_000))
	return nil
}

func (s *server) stream(ctx context.Context, c candidate, query string) (*http.Response, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/api/interview/"+c.interview+"/replay?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return nil, fmt.Errorf("replay: %d %s", resp.StatusCode, b)
	}
	return resp, nil
}
