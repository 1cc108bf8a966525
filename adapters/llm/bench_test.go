package llm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The benchmark's fake upstream runs in a child process (this test binary, started again with
// fakeServeEnv set) so that the memory and CPU it spends are not counted as the adapter's.
const (
	fakeServeEnv  = "LLM_FAKE_SERVE"
	fakeDelayEnv  = "LLM_FAKE_FIRST_DELAY"
	fakeChunksEnv = "LLM_FAKE_CHUNKS"
	fakeGapEnv    = "LLM_FAKE_GAP"
	holdMessage   = "hold" // a last message with this content keeps the stream open after one chunk
)

func TestMain(m *testing.M) {
	if os.Getenv(fakeServeEnv) != "" {
		serveFakeProcess()
		return
	}
	os.Exit(m.Run())
}

// serveFakeProcess serves a fake upstream whose every answer waits the configured first-byte
// delay, then streams the configured number of chunks. It prints its address and serves until
// its standard input closes, which happens when the benchmark's process ends.
func serveFakeProcess() {
	delay, _ := time.ParseDuration(os.Getenv(fakeDelayEnv))
	gap, _ := time.ParseDuration(os.Getenv(fakeGapEnv))
	n, _ := strconv.Atoi(os.Getenv(fakeChunksEnv))
	chunks := make([]string, n)
	for i := range chunks {
		chunks[i] = "token "
	}
	f := &fakeUpstream{ended: make(chan int, 1), script: func(_ int, req fakeRequest) fakeReply {
		r := fakeReply{FirstDelay: delay, Chunks: chunks, Gap: gap, Usage: [2]int{500, n}}
		if len(req.Messages) > 0 && req.Messages[len(req.Messages)-1].Content == holdMessage {
			r.HoldAfter = 1
		}
		return r
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() { _ = http.Serve(ln, f) }()
	fmt.Println("http://" + ln.Addr().String() + "/v1")
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// startFakeProcess runs the fake upstream in a child process and returns its base URL.
func startFakeProcess(b *testing.B, firstDelay, gap time.Duration, chunks int) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fakeServeEnv+"=1", fakeDelayEnv+"="+firstDelay.String(),
		fakeGapEnv+"="+gap.String(), fakeChunksEnv+"="+strconv.Itoa(chunks))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("fake upstream did not start: %v", err)
	}
	return strings.TrimSpace(line)
}

// BenchmarkStreamOverhead keeps 100 chats streaming at once against a local upstream that
// takes a fixed 50ms to its first chunk, then streams 32 chunks 15ms apart (about the pace of
// a hosted model). Each of 100 workers runs chats back to back, alternating this adapter and a
// bare net/http reader of the same stream, so that both see the same machine; their starts
// are spread over one chat's length so that the 100 are at every phase rather than in
// lockstep. An op is one round: six chats per worker, three each way.
//
// It reports the time to first chunk each adds over the upstream's own 50ms (p50, p99; the
// bare reader's is the floor this machine and the loopback set), and the heap and goroutine
// stack one open stream holds, its connection included, with 100 held open at once.
func BenchmarkStreamOverhead(b *testing.B) {
	const (
		workers    = 100
		turns      = 3 // chats each way per worker and op
		firstDelay = 50 * time.Millisecond
		gap        = 15 * time.Millisecond
		chunks     = 32
	)
	base := startFakeProcess(b, firstDelay, gap, chunks)
	hc := defaultHTTPClient()
	c, err := New(Config{BaseURL: base, APIKey: "sk-bench", Model: "fake-model", HTTPClient: hc})
	if err != nil {
		b.Fatal(err)
	}
	msgs := benchConversation()
	adapter := func() (time.Duration, error) {
		var first time.Duration
		start := time.Now()
		_, err := c.Stream(context.Background(), msgs, func(string) error {
			if first == 0 {
				first = time.Since(start)
			}
			return nil
		})
		return first, err
	}
	bare := func() (time.Duration, error) { return rawFirstChunk(hc, base, msgs) }

	var viaAdapter, viaRaw []time.Duration
	for b.Loop() {
		a, r := steadyLoad(b, workers, turns, adapter, bare)
		viaAdapter, viaRaw = append(viaAdapter, a...), append(viaRaw, r...)
	}

	added := func(d []time.Duration, p float64) float64 {
		return float64(percentile(d, p)-firstDelay) / float64(time.Millisecond)
	}
	b.ReportMetric(added(viaAdapter, 0.50), "added-ttfc-p50-ms")
	b.ReportMetric(added(viaAdapter, 0.99), "added-ttfc-p99-ms")
	b.ReportMetric(added(viaRaw, 0.50), "bare-http-added-ttfc-p50-ms")
	b.ReportMetric(added(viaRaw, 0.99), "bare-http-added-ttfc-p99-ms")
	heap, stack := bytesPerOpenStream(b, c, hc, msgs, workers)
	b.ReportMetric(heap, "heap-B/open-stream")
	b.ReportMetric(stack, "stack-B/open-stream")
}

// steadyLoad has each of workers goroutines run turns chats with a and turns with r,
// alternating, each starting when the last ends, and returns the times to first chunk of
// each kind. The workers' first chats are spread over one chat's length.
func steadyLoad(b *testing.B, workers, turns int, a, r func() (time.Duration, error)) (viaA, viaR []time.Duration) {
	viaA, viaR = make([]time.Duration, workers*turns), make([]time.Duration, workers*turns)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			time.Sleep(time.Duration(w) * 5 * time.Millisecond)
			for i := range 2 * turns {
				one, out := a, viaA
				if (w+i)%2 == 1 {
					one, out = r, viaR
				}
				d, err := one()
				if err != nil {
					b.Error(err)
				}
				out[w*turns+i/2] = d
			}
		})
	}
	wg.Wait()
	return viaA, viaR
}

// bytesPerOpenStream holds n streams open (the fake stops after one chunk until the client
// leaves) and measures the heap and goroutine stacks they take, connections included: the
// idle pool is emptied first so that every stream pays for its own.
func bytesPerOpenStream(b *testing.B, c *Client, hc *http.Client, msgs []Message, n int) (heap, stack float64) {
	hold := append(slices.Clone(msgs), Message{Role: RoleUser, Content: holdMessage})
	hc.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond) // closed connections' goroutines wind down
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)

	open := make(chan struct{}, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			var once sync.Once
			_, _ = c.Stream(ctx, hold, func(string) error {
				once.Do(func() { open <- struct{}{} })
				return nil
			})
		})
	}
	for range n {
		select {
		case <-open:
		case <-time.After(30 * time.Second):
			b.Fatal("streams did not open")
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	cancel()
	wg.Wait()

	heap = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
	stack = float64(int64(after.StackInuse)-int64(before.StackInuse)) / float64(n)
	return heap, stack
}

// rawFirstChunk reads the same stream with nothing but net/http and a line reader: the floor
// any client pays on this machine.
func rawFirstChunk(hc *http.Client, base string, msgs []Message) (time.Duration, error) {
	body, _ := json.Marshal(map[string]any{
		"model": "fake-model", "messages": msgs, "stream": true,
		"stream_options": map[string]bool{"include_usage": true},
	})
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPost, base+"/chat/completions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer sk-bench")
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var first time.Duration
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadBytes('\n')
		if first == 0 && bytes.Contains(line, []byte(`"content":"token`)) {
			first = time.Since(start)
		}
		if err == io.EOF {
			return first, nil
		}
		if err != nil {
			return first, err
		}
	}
}

// benchConversation is a chat of realistic size: a system prompt with a problem and code,
// and a few turns.
func benchConversation() []Message {
	code := strings.Repeat("    for i, n in enumerate(nums):\n        seen[n] = i\n", 20)
	return []Message{
		{Role: RoleSystem, Content: "You are the interview assistant. Guide, do not hand over the solution.\nProblem: Two Sum.\nCurrent code:\n" + code},
		{Role: RoleUser, Content: "Why does my loop fail on duplicates?"},
		{Role: RoleAssistant, Content: "What happens to seen[n] when n appears twice?"},
		{Role: RoleUser, Content: "It gets overwritten, so I should check before storing?"},
	}
}

// percentile is the nearest-rank percentile of d.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}
