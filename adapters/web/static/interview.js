// The interview page: the replay viewer and the evaluation report of one interview
// (/app/interviews/{id}). The viewer loads every event for its timeline, seeks with GET /state,
// and plays with the /replay event stream, applying each event to the files with the domain's
// rules (replay-core.js), so that the files shown are those of GET /state at the playhead.
import {
  api, h, showError, messageOf, fmtClock, fmtTime, fmtDateTime, fmtDuration, prefersReducedMotion,
} from "/static/app-common.js";
import * as core from "/static/replay-core.js";
import { renderReport } from "/static/report.js";

const $ = (id) => document.getElementById(id);

const interviewId = decodeURIComponent(location.pathname.split("/").filter(Boolean)[2] || "");
const base = `/api/interview/${encodeURIComponent(interviewId)}`;
const SPEEDS = ["1", "2", "4", "8", "32"];

// ---------------------------------------------------------------- loading

// loadEvents reads every event after the position after, page by page.
async function loadEvents(after, onProgress) {
  const events = [];
  for (;;) {
    const page = await api(`${base}/events?limit=5000&after=${after}`);
    events.push(...(page.events || []));
    if (onProgress) onProgress(events.length);
    if (page.nextAfter === null || page.nextAfter === undefined || !(page.events || []).length) break;
    after = page.nextAfter;
  }
  return events;
}

// ---------------------------------------------------------------- rendering helpers

// richText renders chat text: paragraphs as they are (white space kept), fenced code blocks as
// code. Nothing is parsed as HTML.
function richText(text) {
  const out = [];
  const re = /```([^\n`]*)\n([\s\S]*?)(?:```|$)/g;
  let last = 0, m;
  const s = text || "";
  while ((m = re.exec(s))) {
    if (m.index > last) out.push(h("p", { class: "prewrap" }, s.slice(last, m.index).replace(/^\n+|\n+$/g, "")));
    out.push(h("pre", { class: "chat-code", tabindex: "0" }, h("code", null, m[2].replace(/\n$/, ""))));
    last = re.lastIndex;
    if (m[0].length === 0) break;
  }
  if (last < s.length) out.push(h("p", { class: "prewrap" }, s.slice(last).replace(/^\n+|\n+$/g, "")));
  return out.filter((n) => n.tagName !== "P" || n.textContent !== "");
}

const VERDICTS = {
  passed: "passed", wrong_answer: "wrong answer", runtime_error: "runtime error", compile_error: "compile error",
  timeout: "timed out", memory_limit: "memory limit", output_limit: "output limit",
};

// A panel beside the code: items built from events, shown up to the playhead.
class Panel {
  constructor(body, count, build) {
    this.body = body;
    this.count = count;
    this.build = build;
    this.items = []; // {idx, el}
    this.shown = 0;
    this.context = {};
    this.body.dataset.empty = "";
  }

  add(events, from) {
    for (let i = from; i < events.length; i++) {
      const el = this.build(events[i], i, this.context);
      if (!el) continue;
      el.hidden = true;
      this.items.push({ idx: i, el });
      this.body.append(el);
    }
  }

  update(idx) {
    let lo = 0, hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid].idx <= idx) lo = mid + 1; else hi = mid;
    }
    const n = lo;
    if (n === this.shown) return;
    for (let i = Math.min(n, this.shown); i < Math.max(n, this.shown); i++) this.items[i].el.hidden = i >= n;
    const grew = n > this.shown;
    this.shown = n;
    this.count.textContent = n ? `(${n})` : "";
    if (n) delete this.body.dataset.empty; else this.body.dataset.empty = "";
    if (grew) this.body.scrollTop = this.body.scrollHeight;
  }
}

function buildAIItem(e) {
  const d = e.data || {};
  const when = fmtTime(Date.parse(e.timestamp));
  if (e.type === "ai_message") {
    const head = h("header", { class: "msg-head" }, h("strong", null, "Candidate"), ` · ${when}`);
    if (d.promptQuality) head.append(" · ", h("span", { class: ["badge", "pq-" + d.promptQuality] }, `prompt ${d.promptQuality}/5`));
    const el = h("article", { class: "msg msg-user" }, head, richText(d.message));
    if (d.codeContext && d.codeContext.content) {
      el.append(h("details", { class: "msg-extra" }, h("summary", null, `Code sent${d.codeContext.fileName ? ` (${d.codeContext.fileName})` : ""}`),
        h("pre", { tabindex: "0" }, h("code", null, d.codeContext.content))));
    }
    if (d.qualityReasons && d.qualityReasons.length) {
      el.append(h("details", { class: "msg-extra" }, h("summary", null, "Why this prompt quality"), h("ul", null, d.qualityReasons.map((r) => h("li", null, r)))));
    }
    return el;
  }
  if (e.type === "ai_response") {
    const bits = [d.model, (d.inputTokens || d.outputTokens) ? `${d.inputTokens || 0} → ${d.outputTokens || 0} tokens` : "", d.latencyMs ? `${(d.latencyMs / 1000).toFixed(1)} s` : ""].filter(Boolean);
    const el = h("article", { class: "msg msg-ai" }, h("header", { class: "msg-head" }, h("strong", null, "AI"), ` · ${when}`, bits.length ? h("span", { class: "muted" }, ` · ${bits.join(" · ")}`) : null), richText(d.text));
    if (d.error) el.append(h("p", { class: "msg-error" }, `The answer failed: ${d.error}`));
    return el;
  }
  return null;
}

function buildTerminalItem(e, i, ctx) {
  const d = e.data || {};
  let text, cls;
  switch (e.type) {
    case "terminal_input":
      text = (ctx.open ? "\n" : "") + (d.kind === "interrupt" ? "^C\n" : `$ ${d.data || ""}${(d.data || "").endsWith("\n") ? "" : "\n"}`);
      cls = "term-in";
      break;
    case "terminal_output":
      text = d.data || "";
      cls = d.stream === "stderr" ? "term-err" : "term-out";
      break;
    case "terminal_exit":
      text = (ctx.open ? "\n" : "") + `[exit ${d.exitCode ?? "?"}${d.timedOut ? ", timed out" : ""}${d.outputTruncated ? ", output truncated" : ""} · ${d.durationMs ?? 0} ms]\n`;
      cls = d.exitCode === 0 ? "term-exit" : "term-exit term-exit-fail";
      break;
    default:
      return null;
  }
  ctx.open = text.length > 0 && !text.endsWith("\n");
  return h("span", { class: cls }, text);
}

function buildTestItem(e, i, ctx) {
  const d = e.data || {};
  if (e.type === "question_served") {
    ctx.questions = ctx.questions || {};
    ctx.questions[d.questionId] = d;
    return null;
  }
  if (e.type !== "test_run") return null;
  const q = ctx.questions && d.questionId ? ctx.questions[d.questionId] : null;
  const ok = core.runPassed(d);
  const who = e.actor && e.actor.kind === "system" ? "at submission" : "by the candidate";
  const el = h("article", { class: ["run", ok ? "run-ok" : "run-fail"] },
    h("header", { class: "msg-head" },
      h("strong", null, `${d.passed ?? 0}/${d.total ?? 0} passed`), ` · ${fmtTime(Date.parse(e.timestamp))} · ${who}`,
      h("span", { class: "muted" }, [q ? ` · ${q.title}` : (d.questionId ? "" : " · own tests"), d.fileName ? ` · ${d.fileName}` : ""].join(""))));
  const list = h("ul", { class: "results" });
  for (const r of d.results || []) {
    const verdict = VERDICTS[r.verdict] || r.verdict || (r.passed ? "passed" : "failed");
    const li = h("li", { class: r.passed ? "pass" : "fail" },
      h("span", { class: "verdict-icon", "aria-hidden": "true" }, r.passed ? "✓" : "✗"),
      h("span", { class: "visually-hidden" }, r.passed ? "Passed: " : "Failed: "),
      r.name || "(unnamed)", " ",
      r.hidden ? h("span", { class: "badge badge-hidden" }, "hidden") : null,
      h("span", { class: "muted" }, ` ${r.passed ? "" : verdict + " · "}${r.durationMs ?? 0} ms`));
    if (!r.passed && (r.expectedOutput || r.actualOutput || r.error)) {
      const det = h("details", null, h("summary", null, "Details"));
      if (r.expectedOutput) det.append(h("div", { class: "small" }, "Expected"), h("pre", { tabindex: "0" }, r.expectedOutput));
      if (r.actualOutput) det.append(h("div", { class: "small" }, "Got"), h("pre", { tabindex: "0" }, r.actualOutput));
      if (r.error) det.append(h("div", { class: "small" }, "Error"), h("pre", { tabindex: "0" }, r.error));
      li.append(det);
    }
    list.append(li);
  }
  el.append(list);
  return el;
}

// ---------------------------------------------------------------- the viewer

class Viewer {
  constructor(tl, { live }) {
    this.tl = tl;
    this.live = live;
    this.idx = -1;
    this.files = new core.FileSet();
    this.selectedId = null;
    this.lastChanged = "";
    this.stateName = "paused";
    this.es = null;
    this.gen = 0;
    this.seekSeq = 0;
    this.verifyTimer = 0;
    this.renderPending = false;
    this.dragging = false;
    this.lastSkip = null;
    this.message = "";

    this.el = {
      play: $("play"), speed: $("speed"), skipIdle: $("skip-idle"), followEdits: $("follow-edits"),
      followLive: $("follow-live"), followLiveLabel: $("follow-live-label"), jump: $("jump"), clock: $("clock"),
      scrubber: $("scrubber"), playhead: $("playhead"), idleLayer: $("idle-layer"), markerLayer: $("marker-layer"),
      status: $("status"), files: $("files"), fileName: $("file-name"), code: $("code"),
      questionBox: $("question-box"), questionSummary: $("question-summary"), questionBody: $("question-body"),
      replay: $("replay"),
    };
    this.shown = { id: undefined, content: undefined, lang: undefined, names: undefined, question: undefined };

    this.createEditor();
    this.panels = [
      new Panel($("ai-log"), $("ai-count"), buildAIItem),
      new Panel($("terminal-log"), $("terminal-count"), buildTerminalItem),
      new Panel($("tests-log"), $("tests-count"), buildTestItem),
    ];
    for (const p of this.panels) p.add(tl.events, 0);
    this.questions = [];
    this.indexQuestions(0);
    this.drawTimeline();
    this.bind();
  }

  createEditor() {
    this.editor = null;
    if (window.ILMEditor && typeof window.ILMEditor.create === "function") {
      try {
        this.editor = window.ILMEditor.create(this.el.code, { doc: "", language: "" });
      } catch (err) {
        console.error("ILMEditor failed; showing plain text", err);
        this.editor = null;
      }
    }
    if (!this.editor) {
      this.fallback = h("code");
      this.el.code.append(h("pre", { class: "code-fallback", tabindex: "0", "aria-label": "Code" }, this.fallback));
    }
  }

  editorText() {
    return this.editor ? this.editor.getDoc() : this.fallback.textContent;
  }

  // ------------------------------------------------------------ timeline

  indexQuestions(from) {
    for (let i = from; i < this.tl.length; i++) {
      if (this.tl.events[i].type === "question_served") this.questions.push(i);
    }
  }

  frac(position) {
    const min = this.tl.positions[0], max = this.tl.positions[this.tl.length - 1];
    if (!(max > min)) return 0;
    return Math.min(1, Math.max(0, (position - min) / (max - min)));
  }

  pct(position) { return `${(this.frac(position) * 100).toFixed(3)}%`; }

  drawTimeline() {
    const tl = this.tl;
    this.timelineDrawn = tl.length;
    const sc = this.el.scrubber;
    if (tl.length) {
      sc.min = String(tl.positions[0]);
      sc.max = String(tl.positions[tl.length - 1]);
      sc.disabled = false;
      this.el.play.disabled = false;
    }
    this.markers = core.markersOf(tl.events);
    this.idle = core.idleStretches(tl);
    this.idleByStart = new Map(this.idle.map((s) => [s.from, s]));
    const t0 = tl.times[0] || 0;

    const idleEls = this.idle.map((s) => {
      const el = h("div", { class: "idle", title: `Idle for ${fmtDuration(s.ms / 1000)}` });
      el.style.left = this.pct(tl.positions[s.from]);
      el.style.width = `${((this.frac(tl.positions[s.to]) - this.frac(tl.positions[s.from])) * 100).toFixed(3)}%`;
      return el;
    });
    this.el.idleLayer.replaceChildren(...idleEls);

    const markerEls = this.markers.map((m) => {
      const label = `${fmtClock(tl.times[m.index] - t0)} — ${m.label}`;
      const el = h("div", { class: ["marker", "mk-" + m.kind, m.kind === "test" && !m.ok ? "mk-test-fail" : ""], title: label, dataset: { position: m.position } });
      el.style.left = this.pct(m.position);
      return el;
    });
    this.el.markerLayer.replaceChildren(...markerEls);

    const jump = this.el.jump;
    const opts = [h("option", { value: "" }, this.markers.length ? "a moment…" : "(no moments)")];
    for (const m of this.markers) opts.push(h("option", { value: String(m.position) }, `${fmtClock(tl.times[m.index] - t0)} — ${m.label}`));
    for (const s of this.idle) {
      // Idle stretches are listed too, so that they can be found without a mouse.
      opts.push(h("option", { value: String(tl.positions[s.to]) }, `${fmtClock(tl.times[s.to] - t0)} — back after ${fmtDuration(s.ms / 1000)} idle`));
    }
    jump.replaceChildren(...opts);
    jump.disabled = !this.markers.length && !this.idle.length;
  }

  // appendEvents adds events that arrived after the page loaded (a live interview).
  appendEvents(events) {
    const from = this.tl.length;
    if (!this.tl.append(events)) return;
    for (const p of this.panels) p.add(this.tl.events, from);
    this.indexQuestions(from);
    for (let i = from; i < this.tl.length; i++) {
      if (this.tl.events[i].type === "interview_submitted") this.onSubmitted();
    }
    if (!this.timelineTimer) {
      this.timelineTimer = setTimeout(() => { this.timelineTimer = 0; this.drawTimeline(); this.scheduleRender(); }, 500);
    }
  }

  onSubmitted() {
    if (!this.live) return;
    this.live = false;
    this.el.followLiveLabel.hidden = true;
    this.onSubmit && this.onSubmit();
  }

  // ------------------------------------------------------------ moving the playhead

  // moveTo puts the playhead on event index i and shows the files there, computed locally;
  // verify (GET /state) follows unless told otherwise.
  moveTo(i, { verify = true } = {}) {
    const tl = this.tl;
    if (!tl.length) return;
    i = Math.max(0, Math.min(tl.length - 1, i));
    if (i === this.idx + 1 && this.idx >= 0) {
      const e = tl.events[i];
      const changed = this.files.apply(e.type, e.data);
      if (changed) this.lastChanged = changed;
    } else if (i !== this.idx) {
      this.files = tl.filesAt(i);
      this.lastChanged = this.lastChangedAt(i);
    }
    this.idx = i;
    this.seekSeq++;
    this.render();
    if (verify) this.scheduleVerify();
  }

  // lastChangedAt is the file the last single-file change at or before i touched.
  lastChangedAt(i) {
    for (let k = i, n = 0; k >= 0 && n < 2000; k--, n++) {
      const e = this.tl.events[k];
      const d = e.data || {};
      if (e.type === "keystroke" || e.type === "code_snapshot" || e.type === "file_created" || e.type === "file_renamed") return d.fileId || "";
      if (e.type === "file_written") return this.files.idByName(d.path) || "";
    }
    return "";
  }

  scheduleVerify() {
    clearTimeout(this.verifyTimer);
    this.verifyTimer = setTimeout(() => this.verify(), 150);
  }

  // verify replaces the locally computed files by GET /state at the playhead: the server's
  // answer is the truth.
  async verify() {
    clearTimeout(this.verifyTimer);
    if (this.idx < 0) return;
    const seq = ++this.seekSeq;
    const i = this.idx;
    const position = this.tl.positions[i];
    let st;
    try {
      st = await api(`${base}/state?at=${position}`);
    } catch (err) {
      if (seq === this.seekSeq) this.say(`Could not load the files at this moment: ${messageOf(err)}`);
      return;
    }
    if (seq !== this.seekSeq || this.idx !== i) return; // the playhead moved on meanwhile
    const files = st.files || {};
    if (!core.sameFiles(files, this.files.byName())) {
      this.mismatches = (this.mismatches || 0) + 1;
      console.warn(`replay: the files computed at position ${position} differ from GET /state; showing the server's`);
    }
    this.files = this.files.withContents(files);
    this.render();
  }

  async seek(position) {
    if (!this.tl.length) return;
    const wasPlaying = this.stateName === "playing";
    this.stopStream();
    this.lastSkip = null;
    let i = this.tl.indexAtOrBefore(Number(position));
    if (i < 0) i = 0;
    this.moveTo(i, { verify: false });
    if (wasPlaying) {
      this.startStream();
      return;
    }
    this.setState("paused");
    await this.verify(); // its message, if it fails, stays
  }

  step(delta) {
    if (!this.tl.length) return;
    this.pauseStream();
    this.moveTo(this.idx + delta);
    this.setState("paused");
  }

  jumpTime(deltaMs) {
    if (!this.tl.length) return;
    const t = this.tl.times[Math.max(0, this.idx)] + deltaMs;
    let i = this.tl.indexAtOrBeforeTime(t);
    if (deltaMs > 0 && i <= this.idx) i = this.idx + 1;
    if (deltaMs < 0 && i >= this.idx) i = this.idx - 1;
    this.pauseStream();
    this.moveTo(Math.max(0, i));
    this.setState("paused");
  }

  jumpMarker(dir) {
    const ms = this.markers;
    if (!ms.length) return;
    let target = null;
    if (dir > 0) target = ms.find((m) => m.index > this.idx);
    else for (let k = ms.length - 1; k >= 0; k--) if (ms[k].index < this.idx) { target = ms[k]; break; }
    if (!target) return;
    this.pauseStream();
    this.moveTo(target.index);
    this.setState("paused", target.label);
  }

  // ------------------------------------------------------------ playing

  play() {
    if (!this.tl.length || this.stateName === "playing") return;
    const following = this.live && this.el.followLive.checked;
    if (this.idx >= this.tl.length - 1 && !following) this.moveTo(0, { verify: false });
    this.lastSkip = null;
    this.startStream();
  }

  pause() {
    if (this.stateName !== "playing") return;
    this.pauseStream();
    this.render();
    this.setState("paused");
    this.scheduleVerify();
  }

  toggle() {
    if (this.stateName === "playing") this.pause(); else this.play();
  }

  pauseStream() {
    if (this.es) this.stopStream();
  }

  stopStream() {
    if (this.es) {
      this.es.close();
      this.es = null;
    }
    this.gen++;
  }

  startStream() {
    this.stopStream();
    const gen = this.gen;
    const q = new URLSearchParams({
      from: String(this.tl.positions[Math.max(0, this.idx)]),
      speed: this.el.speed.value || "1",
      // Skipping idle, long stretches are jumped over (maybeSkipIdle) and other pauses are
      // kept under 5 s; otherwise pauses are real up to 30 s, the idle threshold.
      maxGap: this.el.skipIdle.checked ? "5s" : "30s",
    });
    if (this.live && this.el.followLive.checked) q.set("follow", "true");
    const es = new EventSource(`${base}/replay?${q}`);
    this.es = es;
    es.onmessage = (m) => {
      if (gen !== this.gen) return;
      let frame;
      try { frame = JSON.parse(m.data); } catch { return; }
      this.onFrame(frame);
    };
    es.onerror = () => {
      if (gen !== this.gen) return;
      if (es.readyState === EventSource.CLOSED) {
        this.stopStream();
        this.render();
        this.setState("paused", "The replay stream stopped; press Play to try again.");
      } else {
        this.say("Connection lost; reconnecting…");
      }
    };
    this.setState("playing");
  }

  onFrame(f) {
    const tl = this.tl;
    if (f.type === "state") {
      const i = tl.indexAtOrBefore(f.position);
      if (i >= 0) {
        const known = i === this.idx ? this.files : tl.filesAt(i);
        this.files = known.withContents(f.files || {});
        if (i !== this.idx) this.lastChanged = this.lastChangedAt(i);
        this.idx = i;
      } else {
        this.files = new core.FileSet().withContents(f.files || {});
      }
      this.seekSeq++;
      this.scheduleRender();
      this.maybeSkipIdle();
    } else if (f.type === "event" && f.event) {
      const e = f.event;
      let i = tl.indexOfPosition(e.position);
      if (i < 0) {
        if (tl.length && e.position < tl.positions[tl.length - 1]) return; // not ours to place
        this.appendEvents([e]);
        i = tl.length - 1;
      }
      if (i <= this.idx) return; // already shown (a resumed stream repeats nothing, but be safe)
      if (i === this.idx + 1) {
        const changed = this.files.apply(e.type, e.data);
        if (changed) this.lastChanged = changed;
      } else {
        this.files = tl.filesAt(i);
        this.lastChanged = this.lastChangedAt(i);
      }
      this.idx = i;
      this.seekSeq++;
      this.scheduleRender();
      this.maybeSkipIdle();
    } else if (f.type === "end") {
      this.stopStream();
      this.render();
      this.setState("ended");
    }
  }

  // maybeSkipIdle jumps over the idle stretch that starts at the playhead: the stream starts
  // again just before the event that ends it, which the server sends without a pause.
  maybeSkipIdle() {
    if (!this.el.skipIdle.checked || this.stateName !== "playing") return;
    const s = this.idleByStart.get(this.idx);
    if (!s || s === this.lastSkip) return;
    this.lastSkip = s;
    this.moveTo(s.to - 1, { verify: false });
    this.startStream();
    this.say(`Skipped ${fmtDuration(s.ms / 1000)} idle`);
  }

  // ------------------------------------------------------------ showing

  scheduleRender() {
    if (this.renderPending) return;
    this.renderPending = true;
    requestAnimationFrame(() => {
      if (this.renderPending) this.render();
    });
  }

  render() {
    this.renderPending = false;
    const tl = this.tl;
    const i = this.idx;
    const e = tl.events[i];
    const position = e ? e.position : 0;
    if (!this.dragging) this.el.scrubber.value = String(position);
    this.el.scrubber.setAttribute("aria-valuetext", this.describe());
    this.el.playhead.dataset.position = String(position);
    this.el.playhead.style.left = this.pct(position);
    const t0 = tl.times[0] || 0;
    const tEnd = tl.times[tl.length - 1] || t0;
    this.el.clock.textContent = e ? `${fmtClock(tl.times[i] - t0)} / ${fmtClock(tEnd - t0)} · ${fmtTime(tl.times[i])} · #${position}` : "0:00 / 0:00";

    // The files at the playhead, and the one shown.
    const list = this.files.list();
    if (this.el.followEdits.checked && this.lastChanged && this.files.byId.has(this.lastChanged)) this.selectedId = this.lastChanged;
    if (!this.selectedId || !this.files.byId.has(this.selectedId)) this.selectedId = list.length ? list[0].id : null;
    const names = list.map((f) => f.name).join("\n");
    if (names !== this.shown.names) {
      this.shown.names = names;
      this.el.files.replaceChildren(...(list.length ? list.map((f) => h("option", { value: f.name }, f.name)) : [h("option", { value: "" }, "(no files yet)")]));
      this.el.files.disabled = !list.length;
    }
    const file = this.selectedId ? this.files.byId.get(this.selectedId) : null;
    if (file && this.el.files.value !== file.name) this.el.files.value = file.name;
    const name = file ? file.name : "";
    if (this.el.fileName.textContent !== name) this.el.fileName.textContent = name;
    const content = file ? file.content : "";
    const lang = file ? core.languageFor(file.name, file.language) : "";
    if (content !== this.shown.content || lang !== this.shown.lang || this.selectedId !== this.shown.id) {
      if (this.editor) this.editor.set(content, lang);
      else this.fallback.textContent = content;
      this.shown.content = content;
      this.shown.lang = lang;
      this.shown.id = this.selectedId;
    }

    for (const p of this.panels) p.update(i);
    this.renderQuestion(i);
    if (this.stateName !== "playing") this.updateStatusText();
  }

  renderQuestion(i) {
    let q = -1;
    for (const k of this.questions) if (k <= i) q = k; else break;
    if (q === this.shown.question) return;
    this.shown.question = q;
    const box = this.el.questionBox;
    if (q < 0) { box.hidden = true; return; }
    const d = this.tl.events[q].data || {};
    box.hidden = false;
    this.el.questionSummary.textContent = `${core.questionLabel(d)} (${(d.difficulty || "").toLowerCase()}${d.estimatedMinutes ? `, about ${d.estimatedMinutes} min` : ""})`;
    this.el.questionBody.replaceChildren(...richText(d.description || ""));
  }

  describe() {
    const tl = this.tl;
    if (this.idx < 0) return "No events";
    const t0 = tl.times[0] || 0;
    const e = tl.events[this.idx];
    return `${fmtClock(tl.times[this.idx] - t0)} of ${fmtClock(tl.times[tl.length - 1] - t0)}, event ${this.idx + 1} of ${tl.length} (${e.type.replace(/_/g, " ")}), position ${e.position}`;
  }

  say(message) {
    this.message = message;
    this.updateStatusText();
  }

  setState(name, message = "") {
    this.stateName = name;
    this.message = message;
    const st = this.el.status;
    st.dataset.state = name;
    const playing = name === "playing";
    this.el.play.textContent = playing ? "Pause" : "Play";
    this.el.play.setAttribute("aria-label", playing ? "Pause" : "Play");
    this.el.replay.classList.toggle("is-playing", playing);
    this.updateStatusText();
  }

  updateStatusText() {
    const word = { playing: "playing", paused: "paused", ended: "ended" }[this.stateName];
    let text;
    if (this.stateName === "playing") text = `Playing at ${this.el.speed.value}×${this.live && this.el.followLive.checked ? ", following the live interview" : ""}`;
    else text = `${word[0].toUpperCase()}${word.slice(1)} at ${this.describe()}`;
    if (this.message) text += `. ${this.message}`;
    if (this.el.status.textContent !== text) this.el.status.textContent = text;
  }

  // ------------------------------------------------------------ input

  bind() {
    const el = this.el;
    el.play.addEventListener("click", () => this.toggle());
    el.speed.addEventListener("change", () => {
      if (this.stateName === "playing") this.startStream();
      else this.updateStatusText();
    });
    el.skipIdle.addEventListener("change", () => { if (this.stateName === "playing") this.startStream(); });
    el.followLive.addEventListener("change", () => { if (this.stateName === "playing") this.startStream(); });
    el.followEdits.addEventListener("change", () => this.render());
    el.files.addEventListener("change", () => {
      const id = this.files.idByName(el.files.value);
      if (id === undefined) return;
      this.selectedId = id;
      // Choosing a file is choosing to stay on it.
      if (el.followEdits.checked) el.followEdits.checked = false;
      this.render();
    });
    el.jump.addEventListener("change", () => {
      const v = el.jump.value;
      if (v === "") return;
      this.seek(Number(v));
      el.jump.value = "";
    });
    el.scrubber.addEventListener("input", () => {
      this.dragging = true;
      if (this.stateName === "playing") { this.pauseStream(); this.setState("paused"); }
      const i = this.tl.indexAtOrBefore(Number(el.scrubber.value));
      this.moveTo(Math.max(0, i));
    });
    el.scrubber.addEventListener("change", () => {
      this.dragging = false;
      this.render();
    });
    el.markerLayer.addEventListener("click", (ev) => {
      const m = ev.target.closest(".marker");
      if (m) this.seek(Number(m.dataset.position));
    });
    document.addEventListener("keydown", (ev) => this.onKey(ev));
  }

  onKey(ev) {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const t = ev.target;
    const onScrubber = t === this.el.scrubber;
    if (!onScrubber) {
      if (!t || !(t === document || t === document.documentElement || t === document.body || this.el.replay.contains(t))) return;
      if (this.el.code.contains(t)) return; // the code view scrolls with the arrows
      const tag = t.tagName || "";
      if (tag === "SELECT" || tag === "TEXTAREA" || t.isContentEditable) return;
      if (tag === "INPUT" && t.type !== "checkbox") return;
      if ((ev.key === " " || ev.key === "Enter") && (tag === "BUTTON" || tag === "A" || tag === "SUMMARY" || tag === "INPUT")) return;
      if (tag === "PRE" && (ev.key.startsWith("Arrow") || ev.key === "Home" || ev.key === "End" || ev.key === "PageUp" || ev.key === "PageDown" || ev.key === " ")) return;
    }
    const k = ev.key;
    if (k === " " || k === "Spacebar") this.toggle();
    else if (k === "ArrowLeft" || (onScrubber && k === "ArrowDown")) ev.shiftKey ? this.jumpTime(-10_000) : this.step(-1);
    else if (k === "ArrowRight" || (onScrubber && k === "ArrowUp")) ev.shiftKey ? this.jumpTime(10_000) : this.step(1);
    else if (k === "Home") this.seek(this.tl.positions[0]);
    else if (k === "End") this.seek(this.tl.positions[this.tl.length - 1]);
    else if (k === "[" || k === "PageUp") this.jumpMarker(-1);
    else if (k === "]" || k === "PageDown") this.jumpMarker(1);
    else if (k >= "1" && k <= "5" && k.length === 1) {
      this.el.speed.value = SPEEDS[Number(k) - 1];
      this.el.speed.dispatchEvent(new Event("change"));
    } else return;
    ev.preventDefault();
  }
}

// ---------------------------------------------------------------- the page

function atFromHash() {
  const m = /^#at=(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

async function header(summary, events) {
  const started = events.find((e) => e.type === "interview_started");
  const who = started && started.data ? started.data.candidateName : "";
  const title = summary ? summary.title : "";
  $("title").textContent = who ? `${who}${title ? " — " + title : ""}` : (title || "Interview");
  document.title = `${who || "Interview"} · InterviewLM`;
  const iv = summary ? summary.interview : null;
  const submitted = events.find((e) => e.type === "interview_submitted");
  const bits = [];
  if (started && started.data && started.data.candidateEmail) bits.push(started.data.candidateEmail);
  if (iv && iv.startedAt) bits.push(`started ${fmtDateTime(iv.startedAt)}`);
  if (submitted) bits.push(`submitted ${fmtDateTime(submitted.timestamp)}${submitted.data && submitted.data.automatic ? " (automatically)" : ""}`);
  else if (iv && iv.deadline) bits.push(`in progress, deadline ${fmtDateTime(iv.deadline)}`);
  if (summary && summary.settings) bits.push(summary.settings.language);
  $("subtitle").textContent = bits.join(" · ");

  const crumbs = $("breadcrumb");
  const ol = h("ol");
  if (iv) {
    let orgName = "Organization";
    try {
      const me = await api("/api/auth/me");
      const org = (me.organizations || []).find((o) => o.id === iv.organizationId);
      if (org) orgName = org.name;
    } catch { /* the breadcrumb does without the name */ }
    ol.append(h("li", null, h("a", { href: `/app?org=${encodeURIComponent(iv.organizationId)}` }, orgName)));
    ol.append(h("li", null, h("a", { href: `/app?org=${encodeURIComponent(iv.organizationId)}&assessment=${encodeURIComponent(iv.assessmentId)}` }, title || "Assessment")));
  }
  ol.append(h("li", null, h("span", { "aria-current": "page" }, who || "Interview")));
  crumbs.replaceChildren(ol);
}

async function main() {
  const status = $("status");
  $("print-report").addEventListener("click", () => window.print());
  if (!interviewId) {
    showError($("page-messages"), new Error("No interview in the address."));
    return;
  }
  let events, summary = null;
  try {
    const [s, ev] = await Promise.all([
      api(base).catch((err) => { if (err.status === 401) throw err; console.warn(err); return null; }),
      loadEvents(0, (n) => { status.textContent = `Loading the session… ${n} events`; }),
    ]);
    summary = s;
    events = ev;
  } catch (err) {
    status.textContent = "";
    showError($("page-messages"), err, "Could not load the interview.");
    $("report-body").replaceChildren();
    $("diffs").replaceChildren();
    $("stats").replaceChildren();
    return;
  }
  header(summary, events);

  const tl = new core.Timeline(events);
  const live = !events.some((e) => e.type === "interview_submitted");
  const viewer = new Viewer(tl, { live });
  if (live) viewer.el.followLiveLabel.hidden = false;

  const report = () => renderReport({
    base, timeline: tl, live: viewer.live,
    seek: (position) => goTo(position),
    containers: { body: $("report-body"), diffs: $("diffs"), stats: $("stats") },
  });
  viewer.onSubmit = () => setTimeout(report, 1000);

  // goTo seeks the viewer and brings it into view: the evidence links of the report use it.
  async function goTo(position) {
    history.replaceState(null, "", `#at=${position}`);
    const done = viewer.seek(position);
    viewer.el.replay.scrollIntoView({ behavior: prefersReducedMotion() ? "auto" : "smooth", block: "start" });
    viewer.el.scrubber.focus({ preventScroll: true });
    await done;
  }
  window.addEventListener("hashchange", () => {
    const at = atFromHash();
    if (at !== null && at !== window.ilmViewer?.position()) viewer.seek(at);
  });

  if (tl.length) {
    const at = atFromHash();
    const start = at !== null ? at : (live ? tl.positions[tl.length - 1] : tl.positions[0]);
    await viewer.seek(start);
  } else {
    viewer.setState("paused", "Nothing has been recorded yet");
  }

  window.ilmViewer = {
    seek: (position) => viewer.seek(position),
    position: () => (viewer.idx >= 0 ? viewer.tl.positions[viewer.idx] : 0),
    files: () => viewer.files.byName(),
    file: () => $("file-name").textContent,
    editorText: () => viewer.editorText(),
    state: () => viewer.stateName,
    // computed is what the page itself makes of the events up to position, without the server;
    // mismatches counts the times that differed from GET /state. Both are for tests.
    computed: (position) => {
      const i = viewer.tl.indexAtOrBefore(Number(position));
      return i < 0 ? {} : viewer.tl.filesAt(i).byName();
    },
    mismatches: () => viewer.mismatches || 0,
    play: () => viewer.play(),
    pause: () => viewer.pause(),
  };

  report();

  // A live interview grows while nobody plays it: look for new events now and then.
  const poll = async () => {
    if (!viewer.live) return;
    if (viewer.stateName !== "playing" && tl.length) {
      try {
        // Every event since the last look, however many arrived meanwhile.
        const events = await loadEvents(tl.positions[tl.length - 1]);
        if (events.length) {
          viewer.appendEvents(events);
        }
      } catch (err) {
        console.warn("polling the live interview:", err);
      }
    }
    setTimeout(poll, 5000);
  };
  if (viewer.live) setTimeout(poll, 5000);
}

main().catch((err) => {
  console.error(err);
  showError($("page-messages"), err, "The page failed.");
});
