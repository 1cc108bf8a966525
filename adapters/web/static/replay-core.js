// The pure part of the replay viewer: how events change the candidate's files (the same rules
// as domain/files.go and domain/text.go), the timeline's markers and idle stretches, and a line
// diff. No DOM here, so that it can be checked outside a browser.

// Event types that change files (domain.ChangesFiles).
export const FILE_EVENT_TYPES = new Set([
  "keystroke", "code_snapshot", "file_created", "file_deleted", "file_renamed", "file_written", "interview_submitted",
]);

// An idle stretch is a gap of more than this between two events (by their timestamps).
export const IDLE_GAP_MS = 30_000;

export class EditOutOfRange extends Error {}

function isHigh(c) { return c >= 0xd800 && c <= 0xdbff; }
function isLow(c) { return c >= 0xdc00 && c <= 0xdfff; }

// splitsPair reports whether index i of s falls between the two halves of a surrogate pair.
function splitsPair(s, i) {
  return i > 0 && i < s.length && isHigh(s.charCodeAt(i - 1)) && isLow(s.charCodeAt(i));
}

// applyChanges applies editor changes ({offset, deleteCount, text} in UTF-16 code units) in
// order, each to the text the one before left. A change that does not fit (past the end, or
// splitting a surrogate pair) throws EditOutOfRange and the caller keeps the original text.
export function applyChanges(text, changes) {
  let s = text;
  for (let i = 0; i < (changes ? changes.length : 0); i++) {
    const c = changes[i] || {};
    const offset = c.offset ?? 0;
    const count = c.deleteCount ?? 0;
    const insert = c.text ?? "";
    if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 0 ||
        offset > s.length || offset + count > s.length) {
      throw new EditOutOfRange(`change ${i} (offset ${offset}, deleteCount ${count}): change out of range`);
    }
    if (splitsPair(s, offset) || splitsPair(s, offset + count)) {
      throw new EditOutOfRange(`change ${i} (offset ${offset}, deleteCount ${count}): change splits a surrogate pair`);
    }
    s = s.slice(0, offset) + insert + s.slice(offset + count);
  }
  return s;
}

// FileSet is the editor's files by id (domain.Files). Treat it as a value: clone() before
// changing one someone else holds (contents are shared strings, so a clone is cheap).
export class FileSet {
  constructor(byId) {
    this.byId = byId || new Map();
  }

  clone() { return new FileSet(new Map(this.byId)); }

  get size() { return this.byId.size; }

  // list returns the files ordered by name, then id.
  list() {
    return [...this.byId.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  }

  // byName returns {name: content}, the shape GET /state answers.
  byName() {
    const out = {};
    for (const f of this.byId.values()) out[f.name] = f.content;
    return out;
  }

  idByName(name) {
    for (const f of this.byId.values()) if (f.name === name) return f.id;
    return undefined;
  }

  // checkPath throws when name would be a folder of another file or the other way round.
  checkPath(id, name) {
    for (const f of this.byId.values()) {
      if (f.id === id) continue;
      if (f.name.startsWith(name + "/") || name.startsWith(f.name + "/")) {
        throw new EditOutOfRange(`a file and a folder would have the same path: ${name} and ${f.name}`);
      }
    }
  }

  writeByName(name, content) {
    const id = this.idByName(name) ?? name;
    const file = this.byId.get(id) || {};
    this.byId.set(id, { ...file, id, name, content });
  }

  // apply changes the files by one event ({type, data}) and returns the id of the file it
  // changed ("" for several or none). An event that does not fit changes nothing and returns
  // null, as the server skips it.
  apply(type, data) {
    if (!FILE_EVENT_TYPES.has(type) || !data) return "";
    try {
      switch (type) {
        case "keystroke": {
          const id = data.fileId;
          const file = this.byId.get(id) || { id, name: id, content: "" };
          const content = applyChanges(file.content, data.changes || []);
          this.byId.set(id, { ...file, content });
          return id;
        }
        case "code_snapshot": {
          this.checkPath(data.fileId, data.fileName);
          const file = this.byId.get(data.fileId) || {};
          const next = { ...file, id: data.fileId, name: data.fileName, content: data.content ?? "" };
          if (data.language) next.language = data.language;
          this.byId.set(data.fileId, next);
          return data.fileId;
        }
        case "file_created":
          this.checkPath(data.fileId, data.fileName);
          this.byId.set(data.fileId, { id: data.fileId, name: data.fileName, language: data.language || "", content: data.content ?? "" });
          return data.fileId;
        case "file_deleted":
          this.byId.delete(data.fileId);
          return "";
        case "file_renamed": {
          this.checkPath(data.fileId, data.newName);
          const file = this.byId.get(data.fileId) || { id: data.fileId, content: "" };
          this.byId.set(data.fileId, { ...file, name: data.newName });
          return data.fileId;
        }
        case "file_written": {
          this.checkPath(this.idByName(data.path), data.path);
          this.writeByName(data.path, data.content ?? "");
          return this.idByName(data.path) ?? "";
        }
        case "interview_submitted": {
          const files = data.finalFiles || {};
          for (const name of Object.keys(files).sort(compareBytes)) this.writeByName(name, files[name]);
          return "";
        }
      }
    } catch (e) {
      if (e instanceof EditOutOfRange) return null;
      throw e;
    }
    return "";
  }

  // withContents returns the files named in byName (a GET /state answer or a replay state
  // frame) with their ids taken from this set where the names match: the server's answer is
  // the truth about contents, the events are the only source of ids.
  withContents(byName) {
    const out = new Map();
    const taken = new Set();
    for (const name of Object.keys(byName)) {
      let id = this.idByName(name);
      if (id === undefined || taken.has(id)) id = name;
      taken.add(id);
      const file = this.byId.get(id) || { id, name };
      out.set(id, { ...file, id, name, content: byName[name] });
    }
    return new FileSet(out);
  }
}

// compareBytes orders strings as Go's sort does for ASCII (code unit order is close enough
// for names; it only decides which file wins a name clash).
function compareBytes(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

// sameFiles reports whether two {name: content} maps are equal.
export function sameFiles(a, b) {
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || a[k] !== b[k]) return false;
  return true;
}

// languageFor derives the editor language from a file name (or a language hint).
export function languageFor(name, hint) {
  const h = (hint || "").toLowerCase();
  if (["python", "javascript", "typescript", "go"].includes(h)) return h;
  const m = /\.([A-Za-z0-9]+)$/.exec(name || "");
  switch (m && m[1].toLowerCase()) {
    case "py": return "python";
    case "js": case "mjs": case "cjs": case "jsx": return "javascript";
    case "ts": case "mts": case "cts": case "tsx": return "typescript";
    case "go": return "go";
  }
  return "";
}

// Timeline keeps every event with the files computed locally at regular keyframes, so that
// any moment can be rebuilt from at most `every` events.
export class Timeline {
  constructor(events = [], every = 200) {
    this.events = [];
    this.positions = [];
    this.times = []; // timestamps in ms, made non-decreasing (client clocks may step back)
    this.every = every;
    this.keyframes = [new FileSet()]; // keyframes[k] = files after events[0 .. k*every-1]
    this.append(events);
  }

  get length() { return this.events.length; }

  append(events) {
    let added = 0;
    for (const e of events) {
      const last = this.positions.length ? this.positions[this.positions.length - 1] : -Infinity;
      if (e.position <= last) continue; // already known (a resumed stream, a repeated page)
      const t = Date.parse(e.timestamp);
      const prev = this.times.length ? this.times[this.times.length - 1] : -Infinity;
      this.events.push(e);
      this.positions.push(e.position);
      this.times.push(Number.isFinite(t) ? Math.max(t, prev) : (Number.isFinite(prev) ? prev : 0));
      added++;
    }
    return added;
  }

  // indexAtOrBefore is the index of the last event at or before position (-1 when none).
  indexAtOrBefore(position) {
    let lo = 0, hi = this.positions.length - 1, ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.positions[mid] <= position) { ans = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return ans;
  }

  indexOfPosition(position) {
    const i = this.indexAtOrBefore(position);
    return i >= 0 && this.positions[i] === position ? i : -1;
  }

  // indexAtOrBeforeTime is the index of the last event at or before time t (ms), -1 when none.
  indexAtOrBeforeTime(t) {
    let lo = 0, hi = this.times.length - 1, ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid] <= t) { ans = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return ans;
  }

  // filesAt returns the files after events[0..index] (a fresh FileSet the caller may change).
  filesAt(index) {
    if (index < 0) return new FileSet();
    const k = Math.min(Math.floor((index + 1) / this.every), this.keyframes.length - 1);
    let files = this.keyframes[k].clone();
    for (let i = k * this.every; i <= index; i++) {
      const e = this.events[i];
      files.apply(e.type, e.data);
      if ((i + 1) % this.every === 0 && this.keyframes.length === (i + 1) / this.every) {
        this.keyframes.push(files.clone());
      }
    }
    return files;
  }
}

// runPassed reports whether a test_run passed every test.
export function runPassed(d) {
  return d.total > 0 && d.failed === 0 && d.passed === d.total;
}

// questionLabel names a served question: "Question 2: Two sum".
export function questionLabel(d) {
  return `Question ${(d.index ?? 0) + 1}: ${d.title || ""}`.trim();
}

function lineCount(text) {
  if (!text) return 0;
  return text.split("\n").length;
}

// markerFor describes the timeline marker of an event, or null.
export function markerFor(e) {
  const d = e.data || {};
  switch (e.type) {
    case "paste":
      return { kind: "paste", label: `Paste of ${lineCount(d.text)} line${lineCount(d.text) === 1 ? "" : "s"} (${(d.text || "").length} characters)` };
    case "focus_change":
      return d.focused === false ? { kind: "focus", label: "Left the tab" } : null;
    case "ai_message":
      return { kind: "ai", label: "Asked the AI" + (d.promptQuality ? ` (prompt quality ${d.promptQuality}/5)` : "") };
    case "test_run": {
      const ok = runPassed(d);
      return { kind: "test", ok, label: `Test run: ${d.passed ?? 0}/${d.total ?? 0} passed` + (e.actor && e.actor.kind === "system" ? " (at submission)" : "") };
    }
    case "question_served":
      return { kind: "question", label: questionLabel(d) };
    case "interview_submitted":
      return { kind: "submit", label: d.automatic ? `Submitted automatically${d.reason ? ` (${d.reason})` : ""}` : "Submitted" };
  }
  return null;
}

// markersOf lists the markers of events from index `from` on.
export function markersOf(events, from = 0) {
  const out = [];
  for (let i = from; i < events.length; i++) {
    const m = markerFor(events[i]);
    if (m) out.push({ ...m, index: i, position: events[i].position });
  }
  return out;
}

// idleStretches finds the idle stretches of a timeline: gaps of more than gapMs between two
// consecutive events, and idle_start → idle_end. Each is {from, to} as event indexes (the
// event before and the event that ends it), merged when they overlap, ordered.
export function idleStretches(timeline, gapMs = IDLE_GAP_MS) {
  const raw = [];
  const { events, times } = timeline;
  let idleStart = -1;
  for (let i = 0; i < events.length; i++) {
    if (i > 0 && times[i] - times[i - 1] > gapMs) raw.push({ from: i - 1, to: i });
    if (events[i].type === "idle_start" && idleStart < 0) idleStart = i;
    if (events[i].type === "idle_end" && idleStart >= 0) {
      if (i > idleStart) raw.push({ from: idleStart, to: i });
      idleStart = -1;
    }
  }
  raw.sort((a, b) => a.from - b.from || a.to - b.to);
  const out = [];
  for (const s of raw) {
    const last = out[out.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else out.push({ ...s });
  }
  for (const s of out) s.ms = times[s.to] - times[s.from];
  return out;
}

// splitLines splits text into lines without their line ends; a final line end does not make
// an extra empty line.
export function splitLines(text) {
  if (!text) return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

// diffLines is a Myers diff of two texts by line: a list of {op: " " | "-" | "+", line}. Past
// maxEdits differences it gives up and replaces everything (still a correct diff, just not a
// minimal one).
export function diffLines(aText, bText, maxEdits = 4000) {
  const a = splitLines(aText), b = splitLines(bText);
  // Common prefix and suffix cost nothing.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf), B = b.slice(pre, b.length - suf);
  const out = [];
  for (let i = 0; i < pre; i++) out.push({ op: " ", line: a[i] });
  out.push(...myers(A, B, maxEdits));
  for (let i = a.length - suf; i < a.length; i++) out.push({ op: " ", line: a[i] });
  return out;
}

function myers(a, b, maxEdits) {
  const n = a.length, m = b.length;
  if (n === 0) return b.map((line) => ({ op: "+", line }));
  if (m === 0) return a.map((line) => ({ op: "-", line }));
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x;
      if (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])) x = v[offset + k + 1];
      else x = v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[offset + k] = x;
      if (x >= n && y >= m) { found = d; break; }
    }
    if (found >= 0) break;
  }
  if (found < 0) {
    return [...a.map((line) => ({ op: "-", line })), ...b.map((line) => ({ op: "+", line }))];
  }
  // Walk back through the trace.
  const ops = [];
  let x = n, y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d];
    const k = x - y;
    let prevK;
    if (k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1])) prevK = k + 1;
    else prevK = k - 1;
    const prevX = vd[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) { x--; y--; ops.push({ op: " ", line: a[x] }); }
    if (x === prevX) { y--; ops.push({ op: "+", line: b[y] }); } else { x--; ops.push({ op: "-", line: a[x] }); }
  }
  while (x > 0 && y > 0) { x--; y--; ops.push({ op: " ", line: a[x] }); }
  return ops.reverse();
}

// hunks groups a diff into hunks with `context` unchanged lines around each change:
// [{aStart, aLines, bStart, bLines, lines: [{op, line}]}] (1-based starts, as in a unified diff).
export function hunks(ops, context = 3) {
  const out = [];
  const changed = [];
  ops.forEach((o, i) => { if (o.op !== " ") changed.push(i); });
  if (!changed.length) return out;
  let start = Math.max(0, changed[0] - context);
  let end = Math.min(ops.length, changed[0] + context + 1);
  const ranges = [];
  for (const i of changed.slice(1)) {
    if (i - context <= end) end = Math.min(ops.length, i + context + 1);
    else { ranges.push([start, end]); start = Math.max(0, i - context); end = Math.min(ops.length, i + context + 1); }
  }
  ranges.push([start, end]);
  // Line numbers before each op.
  const aNo = [], bNo = [];
  let an = 1, bn = 1;
  for (const o of ops) {
    aNo.push(an); bNo.push(bn);
    if (o.op !== "+") an++;
    if (o.op !== "-") bn++;
  }
  for (const [s, e] of ranges) {
    const lines = ops.slice(s, e);
    out.push({
      aStart: aNo[s], bStart: bNo[s],
      aLines: lines.filter((o) => o.op !== "+").length,
      bLines: lines.filter((o) => o.op !== "-").length,
      lines,
    });
  }
  return out;
}

// diffStats counts the lines added and deleted.
export function diffStats(ops) {
  let added = 0, deleted = 0;
  for (const o of ops) { if (o.op === "+") added++; else if (o.op === "-") deleted++; }
  return { added, deleted };
}

// questionWindows splits the events into the questions served: for each question_served,
// [start, end) event indexes up to the next question served (or the end).
export function questionWindows(events) {
  const served = [];
  events.forEach((e, i) => { if (e.type === "question_served") served.push(i); });
  if (!served.length) return events.length ? [{ start: 0, end: events.length, question: null }] : [];
  return served.map((s, k) => ({ start: s, end: k + 1 < served.length ? served[k + 1] : events.length, question: events[s].data || {} }));
}

// firstContents is, for each file, its content at the first code_snapshot or test_run (with a
// fileName) of the window: {name: {content, position, source}} in order of appearance.
export function firstContents(events, start, end) {
  const out = new Map();
  for (let i = start; i < end; i++) {
    const e = events[i];
    const d = e.data || {};
    let name, content;
    if (e.type === "code_snapshot") { name = d.fileName; content = d.content ?? ""; }
    else if (e.type === "test_run" && d.fileName) { name = d.fileName; content = d.code ?? ""; }
    else continue;
    if (!out.has(name)) out.set(name, { content, position: e.position, source: e.type });
  }
  return out;
}
