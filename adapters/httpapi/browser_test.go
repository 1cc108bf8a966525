package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/interviewlm/interviewlm/adapters/web/chromium"
	"github.com/interviewlm/interviewlm/domain"
)

// browser starts Debian's Chromium headless (CHROMIUM names another; `make test` installs it
// with .ci/ensure-browser) with a fresh profile, for the tests of the web pages.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := chromium.Path()
	if err != nil {
		t.Fatal(err)
	}
	allocCtx, cancelAlloc := chromium.Allocator(context.Background(), path, t.TempDir())
	ctx, cancel := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// artifact writes a test artifact (a screenshot) under artifacts/browser at the repository's
// root, where CI keeps it.
func artifact(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := filepath.Join("..", "..", "artifacts", "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// js evaluates expression in the page, awaiting it when it is a promise, and decodes its value.
func js[T any](t *testing.T, ctx context.Context, expression string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expression, err)
	}
	return v
}

// until polls a boolean expression in the page.
func until(t *testing.T, ctx context.Context, what, expression string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expression)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			shot, _ := chromedp.Run(ctx, chromedp.FullScreenshot(80))
			artifact(t, "failed-"+strings.ReplaceAll(what, " ", "-")+".jpg", shot)
			t.Fatalf("the page never got to: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestTheReplayViewerAndReportInABrowser(t *testing.T) {
	t.Parallel()
	ai := newFakeOpenAI(t, "Check", " divisibility", " by", " 15", " first.")
	s := newSubmitStack(t, ai)
	tm := s.fizzBuzzTeam("Viewers", false)
	careful, carefulID := s.carefulInterview(tm)
	careful.submit(200)
	s.waitForStatus(tm, carefulID, "EVALUATED")
	ev := s.expect(s.call("GET", "/api/interview/"+careful.id+"/evaluation", tm.owner, nil), 200, "").body["evaluation"].(map[string]any)
	if len(ev["greenFlags"].([]any)) == 0 {
		t.Fatalf("no flag to click: %v", ev)
	}
	page := s.expect(s.call("GET", "/api/interview/"+careful.id+"/events?limit=1000", tm.owner, nil), 200, "")
	var positions []int64
	for _, e := range page.body["events"].([]any) {
		positions = append(positions, int64(e.(map[string]any)["position"].(float64)))
	}
	stateAt := func(position int64) map[string]any {
		r := s.expect(s.call("GET", fmt.Sprintf("/api/interview/%s/state?at=%d", careful.id, position), tm.owner, nil), 200, "")
		return r.body["files"].(map[string]any)
	}

	ctx := browser(t)
	// A reviewer who is not signed in is sent to the sign-in page, and back after it.
	email := s.email(tm.owner)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/app/interviews/"+careful.id),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, email),
		chromedp.SendKeys(`#password`, "correct horse"),
		chromedp.Click(`button[type=submit]`),
	))
	until(t, ctx, "viewer ready", `!!(window.ilmViewer && document.querySelector('#scrubber'))`, 30*time.Second)
	if loc := js[string](t, ctx, `location.pathname`); loc != "/app/interviews/"+careful.id {
		t.Fatalf("after sign-in the browser is at %s", loc)
	}

	// Seek to three moments: the files shown are the files at that position.
	for _, i := range []int{len(positions) / 4, len(positions) / 2, len(positions) * 9 / 10} {
		p := positions[i]
		js[any](t, ctx, fmt.Sprintf(`window.ilmViewer.seek(%d).then(() => true)`, p))
		shown := js[map[string]string](t, ctx, `window.ilmViewer.files()`)
		want := stateAt(p)
		if len(shown) != len(want) {
			t.Errorf("at %d the viewer shows %d files, /state %d", p, len(shown), len(want))
		}
		for name, content := range want {
			if shown[name] != content {
				t.Errorf("at %d, %s:\nviewer %q\n/state %q", p, name, shown[name], content)
			}
		}
		if got := js[int64](t, ctx, `window.ilmViewer.position()`); got != p {
			t.Errorf("seek(%d) left the playhead at %d", p, got)
		}
		// The code view shows the selected file's content.
		name := js[string](t, ctx, `document.querySelector('#file-name').textContent.trim()`)
		// The code view lives in a shadow root (the CSP forbids CodeMirror's inline styles
		// anywhere else) and renders only the visible lines: its document is what it shows.
		editor := js[string](t, ctx, `window.ilmViewer.editorText()`)
		if name == "" || editor != shown[name] {
			t.Errorf("at %d the code view shows %q, %s is %q", p, editor, name, shown[name])
		}
		lines := js[int](t, ctx, `document.querySelector('#code .ilm-editor').shadowRoot.querySelectorAll('.cm-line').length`)
		if lines == 0 {
			t.Errorf("at %d the code view rendered no line", p)
		}
	}
	shot, err := chromedp.Run(ctx, chromedp.Screenshot(`#replay`))
	must(t, err)
	artifact(t, "viewer.png", shot)

	// A flag's evidence seeks the viewer to that moment.
	target := js[int64](t, ctx, `Number(document.querySelector('a.evidence[data-position]').dataset.position)`)
	must(t, chromedp.Do(ctx, chromedp.Click(`a.evidence[data-position]`)))
	until(t, ctx, "evidence seek", fmt.Sprintf(`window.ilmViewer.position() === %d`, target), 10*time.Second)
	shot, err = chromedp.Run(ctx, chromedp.Screenshot(`#report`))
	must(t, err)
	artifact(t, "report.png", shot)

	// The candidate list of the assessment links to the interview, with its recommendation.
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/app?org="+tm.org+"&assessment="+tm.assessment)))
	until(t, ctx, "the candidate list", fmt.Sprintf(`!!document.querySelector('#content a[href="/app/interviews/%s"]')`, careful.id), 15*time.Second)
	list := js[string](t, ctx, `document.querySelector('#content').innerText`)
	for _, want := range []string{"Careful", "careful@candidates.example", "EVALUATED"} {
		if !strings.Contains(strings.ToUpper(list), strings.ToUpper(want)) {
			t.Errorf("the candidate list lacks %q:\n%s", want, list)
		}
	}
	shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err)
	artifact(t, "candidates.png", shot)
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/app/interviews/"+careful.id)))
	until(t, ctx, "viewer ready again", `!!(window.ilmViewer && document.querySelector('#scrubber'))`, 30*time.Second)

	// Played from the start at 32×, the session ends on the submitted code.
	js[any](t, ctx, fmt.Sprintf(`window.ilmViewer.seek(%d).then(() => true)`, positions[0]))
	must(t, chromedp.Do(ctx, chromedp.SetValue(`#speed`, "32"), chromedp.Click(`#play`)))
	until(t, ctx, "playing", `window.ilmViewer.state() === 'playing' || window.ilmViewer.state() === 'ended'`, 10*time.Second)
	until(t, ctx, "the end of the session", `window.ilmViewer.state() === 'ended'`, 90*time.Second)
	final := js[map[string]string](t, ctx, `window.ilmViewer.files()`)
	want := stateAt(0)
	raw, _ := json.Marshal(final)
	for name, content := range want {
		if final[name] != content {
			t.Errorf("after playing to the end, %s is %q, want %q (all: %s)", name, final[name], content, raw)
		}
	}
	if final["main.py"] != fizzBuzzFull {
		t.Errorf("the final code is not the submitted solution: %q", final["main.py"])
	}
}

func TestPagesAreForSignedInTeamsOnly(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Pages")
	_, invite := s.invite(tm, "Cand")
	interview, candidate := s.start(invite, 201)
	noRedirect := &noFollow{}
	for _, token := range []string{"", candidate} {
		r := s.callWith(noRedirect.client(), "GET", "/app/interviews/"+interview, token, nil)
		if r.status != 302 || !strings.HasPrefix(r.header.Get("Location"), "/login?next=") {
			t.Errorf("token %q: %d %v", token, r.status, r.header)
		}
	}
	r := s.callWith(noRedirect.client(), "GET", "/app/interviews/"+interview, tm.owner, nil)
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'self'") ||
		!strings.Contains(r.raw, "<html") {
		t.Errorf("team member: %d %v", r.status, r.header)
	}
	if got := s.expect(s.call("GET", "/api/auth/providers", "", nil), 200, "").body["providers"].([]any); len(got) != 0 {
		t.Errorf("providers = %v with none configured", got)
	}
	login := s.callWith(noRedirect.client(), "GET", "/login", "", nil)
	if login.status != 200 || !strings.Contains(login.raw, "password") {
		t.Errorf("/login = %d", login.status)
	}
	if r := s.call("GET", "/static/../go.mod", "", nil); r.status != 404 {
		t.Errorf("a path out of the static folder answered %d", r.status)
	}
	if r := s.call("GET", "/static/login.html", "", nil); r.status != 404 {
		t.Errorf("a page's shell served as a static file: %d", r.status)
	}
}

// noFollow makes clients that show redirects instead of following them.
type noFollow struct{}

func (noFollow) client() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestTheViewerAppliesEditsExactly records random edits (emoji and other text outside the
// BMP, CRLF, several changes per event, two files) and checks that what the page itself
// computes from the events — not GET /state, which the viewer also asks — equals the editor's
// files at many positions, and that seeking never found the two apart.
func TestTheViewerAppliesEditsExactly(t *testing.T) {
	t.Parallel()
	s := newStack(t, nil)
	tm := s.newTeam("Exact")
	_, invite := s.invite(tm, "Ex")
	interview, token := s.start(invite, 201)
	sim := &editorSim{rng: rand.New(rand.NewPCG(11, 26)), ids: []string{"f-main", "f-util"}}
	sim.files = domain.NewFiles(domain.File{ID: "f-main", Name: "main.go", Content: "package main\r\n"}, domain.File{ID: "f-util", Name: "util.go"})
	at := time.Now().UTC()
	event := func(typ string, data map[string]any) map[string]any {
		at = at.Add(200 * time.Millisecond)
		return map[string]any{"type": typ, "timestamp": at.Format(time.RFC3339Nano), "data": data}
	}
	s.expect(s.call("POST", "/api/interview/"+interview+"/events", token, map[string]any{"events": []map[string]any{
		event("file_created", map[string]any{"fileId": "f-main", "fileName": "main.go", "content": "package main\r\n"}),
		event("file_created", map[string]any{"fileId": "f-util", "fileName": "util.go"}),
	}}), 201, "")
	type moment struct {
		position int64
		files    map[string]string
	}
	var moments []moment
	for range 25 {
		var batch []map[string]any
		var after []map[string]string
		for range 20 {
			k := sim.edit()
			must(t, sim.files.Apply(k))
			batch, after = append(batch, event("keystroke", keystrokeJSON(k))), append(after, sim.files.ByName())
		}
		r := s.expect(s.call("POST", "/api/interview/"+interview+"/events", token, map[string]any{"events": batch}), 201, "")
		last := int64(r.body["lastPosition"].(float64))
		for i := range batch {
			moments = append(moments, moment{position: last - int64(len(batch)-1-i), files: after[i]})
		}
	}

	ctx := browser(t)
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/login?next=/app/interviews/"+interview),
		chromedp.WaitVisible(`#email`), chromedp.SendKeys(`#email`, s.email(tm.owner)),
		chromedp.SendKeys(`#password`, "correct horse"), chromedp.Click(`button[type=submit]`)))
	until(t, ctx, "viewer ready", `!!(window.ilmViewer && document.querySelector('#scrubber'))`, 30*time.Second)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		m := moments[rng.IntN(len(moments))]
		got := js[map[string]string](t, ctx, fmt.Sprintf(`window.ilmViewer.computed(%d)`, m.position))
		if len(got) != len(m.files) {
			t.Fatalf("at %d the page computed %d files, want %d", m.position, len(got), len(m.files))
		}
		for name, content := range m.files {
			if got[name] != content {
				t.Fatalf("at %d the page computed %s = %q, the editor had %q", m.position, name, got[name], content)
			}
		}
		js[any](t, ctx, fmt.Sprintf(`window.ilmViewer.seek(%d).then(() => true)`, m.position))
	}
	time.Sleep(300 * time.Millisecond) // the last seek's check against GET /state
	if n := js[int](t, ctx, `window.ilmViewer.mismatches()`); n != 0 {
		t.Errorf("%d seeks found the page's files apart from GET /state", n)
	}
}
