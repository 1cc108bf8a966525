package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/interviewlm/interviewlm/adapters/web"
	"github.com/interviewlm/interviewlm/adapters/web/chromium"
)

// vendorDir is where adapters/web/frontend writes the committed CodeMirror bundle.
const vendorDir = "adapters/web/static/vendor"

// Targets of the web part.
const (
	bundleGzipTarget = 400 << 10
	playableTarget   = time.Second
	playableEvents   = 10_000
	playableRuns     = 10
	playablePage     = 5000 // the viewer's page size of GET /events
)

// webBench measures the replay viewer: the size of the editor bundle it loads, and the API side
// of making a recorded interview playable.
func webBench(ctx context.Context, out io.Writer) error {
	if err := bundleSize(out); err != nil {
		return err
	}
	return playable(ctx, out)
}

// bundleSize reads the bundle the manifest names, checks it against the manifest and gzips it
// at level 9 itself.
func bundleSize(out io.Writer) error {
	raw, err := os.ReadFile(filepath.Join(vendorDir, "manifest.json"))
	if err != nil {
		return fmt.Errorf("the CodeMirror bundle's manifest (make web builds it): %w", err)
	}
	var m web.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s/manifest.json: %w", vendorDir, err)
	}
	bundle, err := os.ReadFile(filepath.Join(vendorDir, m.CodeMirror))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(bundle)
	if hex.EncodeToString(sum[:]) != m.SHA256 || int64(len(bundle)) != m.Bytes {
		return fmt.Errorf("%s does not match the manifest (sha256, size): run make web", m.CodeMirror)
	}
	var packed bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&packed, gzip.BestCompression)
	zw.Write(bundle)
	if err := zw.Close(); err != nil {
		return err
	}
	kib := func(n int) string { return fmt.Sprintf("%.1f KiB", float64(n)/1024) }
	fmt.Fprintln(out, "Replay viewer's editor bundle (adapters/web/static/vendor, as the browser downloads it)")
	fmt.Fprintf(out, "%-34s %12s %14s   %s\n", "file", "raw", "gzip -9", "target gzip < 400 KiB")
	fmt.Fprintf(out, "%-34s %12s %14s   %s %s\n\n", m.CodeMirror, kib(len(bundle)), kib(packed.Len()),
		kib(packed.Len()), verdict(packed.Len() < bundleGzipTarget))
	return nil
}

// playable records a 10,000-event interview on the real server and times what the viewer
// page asks of the API before it can play, as the hiring team: every event for the timeline
// (GET /events, pages of 5000), the files at the start (GET /state) and the replay stream up
// to its first frame, the state (GET /replay?speed=32). The first page names the first
// position; the state and the stream then go in parallel with the remaining pages.
func playable(ctx context.Context, out io.Writer) error {
	// The server checks at start that the sandbox's unprivileged user reaches its workspaces.
	dir, err := os.MkdirTemp("", "ilmbench-web")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	s, err := startServer(ctx, "WORKSPACE_DIR="+dir)
	if err != nil {
		return err
	}
	defer s.stop()
	owner, cands, err := s.fizzBuzzInterviews(1)
	if err != nil {
		return err
	}
	c := cands[0]
	fmt.Fprintf(os.Stderr, "  web: recording a %d-event interview\n", playableEvents)
	recorded, err := s.recordSession(c, playableEvents)
	if err != nil {
		return err
	}
	// The team opens a recording once it is in, not while the projections still work on it.
	if err := s.waitCaughtUp(2 * time.Minute); err != nil {
		return err
	}

	var total, events, state, frame []time.Duration
	var listed, pages int
	for i := range playableRuns + 1 {
		r, err := s.openViewer(ctx, c.interview, owner)
		if err != nil {
			return err
		}
		if i == 0 {
			continue // warms the server's caches and this client's connections
		}
		total, events, state, frame = append(total, r.total), append(events, r.events), append(state, r.state), append(frame, r.frame)
		listed, pages = r.listed, r.pages
	}
	for _, d := range [][]time.Duration{total, events, state, frame} {
		slices.Sort(d)
	}
	ms := func(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }
	p50, p90 := percentile(total, 0.5), percentile(total, 0.9)
	fmt.Fprintf(out, "Time until a %s-event interview is playable, API side (no browser: the viewer page's requests, as the team, over HTTP)\n",
		thousands(recorded))
	fmt.Fprintf(out, "%-70s %10s %10s   %s\n", "from the first request to", "p50", "p90", "target p90 < 1 s")
	fmt.Fprintf(out, "%-70s %10s %10s\n", fmt.Sprintf("  every event listed: GET /events, %d pages of %d (%d events)", pages, playablePage, listed),
		ms(percentile(events, 0.5)), ms(percentile(events, 0.9)))
	fmt.Fprintf(out, "%-70s %10s %10s\n", "  the files at the start: GET /state?at=<first position>", ms(percentile(state, 0.5)), ms(percentile(state, 0.9)))
	fmt.Fprintf(out, "%-70s %10s %10s\n", "  the first state frame: GET /replay?from=<first>&speed=32", ms(percentile(frame, 0.5)), ms(percentile(frame, 0.9)))
	fmt.Fprintf(out, "%-70s %10s %10s   %s %s\n", fmt.Sprintf("  all three done (%d runs after one warm-up)", len(total)), ms(p50), ms(p90),
		ms(p90), verdict(p90 < playableTarget))
	fmt.Fprintln(out)
	return s.browserPlayable(ctx, out, c.interview, owner, recorded)
}

// viewerRun is one opening of the viewer; each duration counts from the first request.
type viewerRun struct {
	events, state, frame, total time.Duration
	listed, pages               int
}

// openViewer does what the viewer page does before it can play.
func (s *server) openViewer(ctx context.Context, interview, token string) (viewerRun, error) {
	var r viewerRun
	base := "/api/interview/" + interview
	start := time.Now()
	page, err := s.eventsPage(ctx, base, token, 0)
	if err != nil {
		return r, err
	}
	if len(page.Events) == 0 {
		return r, fmt.Errorf("GET /events listed no event")
	}
	first := page.Events[0].Position
	var wg sync.WaitGroup
	var stateErr, frameErr error
	wg.Go(func() {
		var st struct {
			Position int64
			Files    map[string]string
		}
		stateErr = s.callCtx(ctx, "GET", base+"/state?at="+strconv.FormatInt(first, 10), token, nil, http.StatusOK, &st)
		if stateErr == nil && st.Position != first {
			stateErr = fmt.Errorf("GET /state?at=%d answered position %d", first, st.Position)
		}
		r.state = time.Since(start)
	})
	wg.Go(func() {
		frameErr = s.firstStateFrame(ctx, base+"/replay?from="+strconv.FormatInt(first, 10)+"&speed=32", token)
		r.frame = time.Since(start)
	})
	r.listed, r.pages = len(page.Events), 1
	for page.NextAfter != nil {
		if page, err = s.eventsPage(ctx, base, token, *page.NextAfter); err != nil {
			break
		}
		r.listed += len(page.Events)
		r.pages++
	}
	r.events = time.Since(start)
	wg.Wait()
	r.total = time.Since(start)
	for _, e := range []error{err, stateErr, frameErr} {
		if e != nil {
			return r, e
		}
	}
	return r, nil
}

// eventsList is a page of GET /events, as much of it as the timeline needs decoded.
type eventsList struct {
	Events []struct {
		Type      string
		Position  int64
		Timestamp time.Time
	}
	NextAfter *int64
}

func (s *server) eventsPage(ctx context.Context, base, token string, after int64) (eventsList, error) {
	var page eventsList
	q := "/events?limit=" + strconv.Itoa(playablePage)
	if after > 0 {
		q += "&after=" + strconv.FormatInt(after, 10)
	}
	return page, s.callCtx(ctx, "GET", base+q, token, nil, http.StatusOK, &page)
}

// firstStateFrame opens a replay stream and reads it until its state frame is in, then leaves.
func (s *server) firstStateFrame(ctx context.Context, path, token string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	r := bufio.NewReaderSize(resp.Body, 1<<16)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("GET %s: the stream ended before its state frame: %w", path, err)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var frame struct{ Type string }
			if err := json.Unmarshal([]byte(data), &frame); err != nil || frame.Type != "state" {
				return fmt.Errorf("GET %s: the first frame is not the state: %.200s", path, data)
			}
			return nil
		}
	}
}

// thousands writes n with comma separators: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// readyProbe runs in the viewer page before its own scripts (Page.addScriptToEvaluateOnNewDocument)
// and notes in window.__ilmReadyAt the performance.now() at which the page is playable: its
// window.ilmViewer is set, ilmViewer.position() is a number and the code view is drawn
// (#code .ilm-editor). It looks when the page sets ilmViewer, and every 10 ms.
const readyProbe = `(() => {
  if (!location.pathname.startsWith("/app/interviews/")) return;
  let viewer;
  const ready = () => {
    try {
      return !!viewer && typeof viewer.position() === "number" && !!document.querySelector("#code .ilm-editor");
    } catch { return false; }
  };
  const mark = () => {
    if (window.__ilmReadyAt === undefined && ready()) {
      window.__ilmReadyAt = performance.now();
      clearInterval(timer);
    }
  };
  Object.defineProperty(window, "ilmViewer", {
    configurable: true, enumerable: true,
    get: () => viewer,
    set: (v) => { viewer = v; mark(); },
  });
  const timer = setInterval(mark, 10);
})()`

// readyTimings waits in the page until it is playable and reads what it did until then from the
// Navigation and Resource Timing APIs: every figure is milliseconds since navigation start
// (performance.timeOrigin).
const readyTimings = `new Promise((resolve, reject) => {
  const t0 = Date.now();
  const collect = () => {
    const ready = window.__ilmReadyAt;
    const nav = performance.getEntriesByType("navigation")[0];
    const res = performance.getEntriesByType("resource").filter((r) => r.responseEnd <= ready);
    const path = (r) => { const u = new URL(r.name); return u.pathname + u.search; };
    const events = res.filter((r) => /^\/api\/interview\/[^/]+\/events\?/.test(path(r)));
    const state = res.filter((r) => /^\/api\/interview\/[^/]+\/state\?/.test(path(r)));
    const statics = res.filter((r) => path(r).startsWith("/static/"));
    const min = (xs) => xs.length ? Math.min(...xs) : -1;
    const max = (xs) => xs.length ? Math.max(...xs) : -1;
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    return {
      ready, document: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd,
      staticEnd: max([nav.responseEnd, ...statics.map((r) => r.responseEnd)]), statics: statics.length,
      staticsFetched: statics.filter((r) => r.transferSize > 0).length,
      eventsStart: min(events.map((r) => r.startTime)), eventsEnd: max(events.map((r) => r.responseEnd)),
      eventsPages: events.length, eventsBytes: sum(events.map((r) => r.encodedBodySize)),
      eventsWait: sum(events.map((r) => r.responseStart - r.startTime)),
      eventsDownload: sum(events.map((r) => r.responseEnd - r.responseStart)),
      stateStart: min(state.map((r) => r.startTime)), stateEnd: max(state.map((r) => r.responseEnd)),
      path: location.pathname,
    };
  };
  const check = () => {
    if (window.__ilmReadyAt !== undefined) return resolve(collect());
    if (Date.now() - t0 > 60000) {
      const msg = (document.getElementById("page-messages") || {}).textContent || "";
      return reject(new Error("not playable after 60 s at " + location.pathname + ": " + msg.trim()));
    }
    setTimeout(check, 10);
  };
  check();
})`

// pageRun is one opening of the viewer page in the browser, in milliseconds since navigation start.
type pageRun struct {
	Ready            float64 `json:"ready"`
	Document         float64 `json:"document"`
	DOMContentLoaded float64 `json:"domContentLoaded"`
	StaticEnd        float64 `json:"staticEnd"`
	Statics          int     `json:"statics"`
	StaticsFetched   int     `json:"staticsFetched"`
	EventsStart      float64 `json:"eventsStart"`
	EventsEnd        float64 `json:"eventsEnd"`
	EventsPages      int     `json:"eventsPages"`
	EventsBytes      int64   `json:"eventsBytes"`
	EventsWait       float64 `json:"eventsWait"`
	EventsDownload   float64 `json:"eventsDownload"`
	StateStart       float64 `json:"stateStart"`
	StateEnd         float64 `json:"stateEnd"`
	Path             string  `json:"path"`
}

// sessionCookie signs the team's owner in as a browser does, with POST /api/auth/login, and
// returns the ilm_session cookie the answer sets.
func (s *server) sessionCookie(ctx context.Context, token string) (*http.Cookie, error) {
	var me struct{ User struct{ Email string } }
	if err := s.callCtx(ctx, "GET", "/api/auth/me", token, nil, http.StatusOK, &me); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"email": me.User.Email, "password": benchPassword})
	req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/api/auth/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST /api/auth/login: %d %s", resp.StatusCode, raw)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "ilm_session" && c.Value != "" {
			return c, nil
		}
	}
	return nil, fmt.Errorf("POST /api/auth/login set no ilm_session cookie")
}

// browserPlayable opens the viewer page of the recorded interview in headless Chromium, signed
// in as the team, and times in the page, from navigation start, until it is playable.
func (s *server) browserPlayable(ctx context.Context, out io.Writer, interview, token string, recorded int) error {
	path, err := chromium.Path()
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "ilmbench-chromium")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	cookie, err := s.sessionCookie(ctx, token)
	if err != nil {
		return err
	}
	allocCtx, cancelAlloc := chromium.Allocator(ctx, path, profile)
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// The first call starts the browser, which lives as long as its context: no timeout on it.
	if _, err := chromedp.Call(bctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: readyProbe}); err != nil {
		return fmt.Errorf("chromium (%s): %w", path, err)
	}
	httpOnly := true
	if _, err := chromedp.Call(bctx, network.SetCookie, network.SetCookieParams{
		Name: cookie.Name, Value: cookie.Value, URL: s.url, Path: "/", HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax,
	}); err != nil {
		return fmt.Errorf("set the session cookie: %w", err)
	}

	fmt.Fprintf(os.Stderr, "  web: opening it in Chromium, %d times after one warm-up\n", playableRuns)
	viewerURL := s.url + "/app/interviews/" + interview
	var runs []pageRun
	for range playableRuns + 1 {
		r, err := openPage(bctx, viewerURL)
		if err != nil {
			return err
		}
		if r.Path != "/app/interviews/"+interview {
			return fmt.Errorf("the browser ended at %s, not the viewer (not signed in?)", r.Path)
		}
		runs = append(runs, r)
	}
	cold, runs := runs[0], runs[1:]

	msd := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	// p returns the p50 and p90 of a figure of the runs.
	p := func(f func(pageRun) float64) (time.Duration, time.Duration) {
		ds := make([]time.Duration, len(runs))
		for i, r := range runs {
			ds[i] = msd(f(r))
		}
		slices.Sort(ds)
		return percentile(ds, 0.5), percentile(ds, 0.9)
	}
	ms := func(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }
	row := func(what string, f func(pageRun) float64) {
		p50, p90 := p(f)
		fmt.Fprintf(out, "%-70s %10s %10s\n", what, ms(p50), ms(p90))
	}
	last := runs[len(runs)-1]
	fmt.Fprintf(out, "Time until a %s-event interview is playable in the browser (headless Chromium, signed in as the team; Navigation Timing, in the page)\n",
		thousands(recorded))
	fmt.Fprintf(out, "%-70s %10s %10s   %s\n", "from navigation start to", "p50", "p90", "target p90 < 1 s")
	row("  the HTML document in", func(r pageRun) float64 { return r.Document })
	row(fmt.Sprintf("  its %d scripts and styles in (%d over the network, the rest cached)", last.Statics, last.StaticsFetched),
		func(r pageRun) float64 { return r.StaticEnd })
	row("  DOMContentLoaded done", func(r pageRun) float64 { return r.DOMContentLoaded })
	row("  the first GET /events sent", func(r pageRun) float64 { return r.EventsStart })
	row(fmt.Sprintf("  every event in: GET /events, %d pages one after another (%.1f MiB)", last.EventsPages, float64(last.EventsBytes)/(1<<20)),
		func(r pageRun) float64 { return r.EventsEnd })
	row("  GET /state?at=<start> sent (the timeline and panels built)", func(r pageRun) float64 { return r.StateStart })
	row("  GET /state answered", func(r pageRun) float64 { return r.StateEnd })
	p50, p90 := p(func(r pageRun) float64 { return r.Ready })
	fmt.Fprintf(out, "%-70s %10s %10s   %s %s\n", fmt.Sprintf("  playable: ilmViewer.position(), code drawn (%d runs after a warm-up)", len(runs)),
		ms(p50), ms(p90), ms(p90), verdict(p90 < playableTarget))
	fmt.Fprintf(out, "%-70s %10s\n", "  the warm-up (first visit: empty cache)", ms(msd(cold.Ready)))

	// What dominates: the stretches between those moments, at their medians.
	type phase struct {
		what string
		d    time.Duration
	}
	med := func(f func(pageRun) float64) time.Duration { d, _ := p(f); return d }
	phases := []phase{
		{"page, scripts, start of the page's JS", med(func(r pageRun) float64 { return r.EventsStart })},
		{fmt.Sprintf("GET /events ×%d in sequence", last.EventsPages), med(func(r pageRun) float64 { return r.EventsEnd - r.EventsStart })},
		{"building the timeline and panels", med(func(r pageRun) float64 { return r.StateStart - r.EventsEnd })},
		{"GET /state", med(func(r pageRun) float64 { return r.StateEnd - r.StateStart })},
		{"drawing the code view", med(func(r pageRun) float64 { return r.Ready - r.StateEnd })},
	}
	slices.SortStableFunc(phases, func(a, b phase) int { return int(b.d - a.d) })
	var parts []string
	for _, ph := range phases {
		parts = append(parts, fmt.Sprintf("%s %s (%.0f%%)", ph.what, ms(ph.d), 100*float64(ph.d)/float64(p50)))
	}
	fmt.Fprintf(out, "what dominates (p50 of each stretch): %s\n", strings.Join(parts, ", "))
	wait, download := med(func(r pageRun) float64 { return r.EventsWait }), med(func(r pageRun) float64 { return r.EventsDownload })
	span := med(func(r pageRun) float64 { return r.EventsEnd - r.EventsStart })
	fmt.Fprintf(out, "  of the GET /events stretch: waiting for the server's first byte %s, downloading %s, the page's JS between pages %s\n\n",
		ms(wait), ms(download), ms(max(span-wait-download, 0)))
	return nil
}

// openPage navigates a fresh document to the viewer and reads its timings once it is playable.
func openPage(bctx context.Context, url string) (pageRun, error) {
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(url)); err != nil {
		return pageRun{}, fmt.Errorf("open %s: %w", url, err)
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[pageRun](readyTimings, chromedp.EvalAwaitPromise))
	if err != nil {
		return r, fmt.Errorf("%s in Chromium: %w", url, err)
	}
	return r, nil
}
