// The evaluation report of an interview: scores, recommendation, flags with their evidence (links
// that seek the replay), per-question details, the code's way from each question's first
// snapshot to the submission, and the session's figures.
import {
  api, h, showError, fmtClock, fmtDateTime, fmtDuration, fmtNumber, fmtScore, fmtPercent, fmtUSD,
  ordinal, recommendationBadge,
} from "/static/app-common.js";
import * as core from "/static/replay-core.js";

const COMPONENTS = [
  ["technical", "Technical", "Tests passed in each question's final run, hidden tests included, weighted by difficulty."],
  ["codeQuality", "Code quality", "Static analysis of the final code."],
  ["problemSolving", "Problem solving", "Completion, progress between runs and speed."],
  ["aiCollaboration", "AI collaboration", "Prompt quality, independence, verification of suggestions, follow-ups."],
];

const FLAG_TITLES = {
  large_untraced_paste: "Large paste from outside the session",
  focus_loss_then_burst: "Left the tab, then a burst of code",
  untested_ai_code: "AI code never tested",
  low_prompt_quality: "Low prompt quality",
  hidden_tests_failing: "Hidden tests failing",
  unfinished_questions: "Unfinished questions",
  test_driven_progress: "Test-driven progress",
  good_prompts: "Good prompts",
  verified_ai_suggestions: "Verified AI suggestions",
  efficient_solution: "Efficient solution",
};

const EVENT_WORDS = {
  paste: "paste", focus_change: "focus change", ai_message: "AI message", ai_response: "AI answer",
  test_run: "test run", keystroke: "edit", code_snapshot: "snapshot", question_served: "question served",
  interview_submitted: "submission", file_created: "file created", file_written: "file written",
  terminal_input: "terminal command", terminal_output: "terminal output", idle_start: "idle", idle_end: "back from idle",
};

const MAX_DIFF_LINES = 4000;

export async function renderReport({ base, timeline, live, seek, containers }) {
  const t0 = timeline.times[0] || 0;

  // evidenceLink is a link to a moment of the replay; it seeks the viewer there.
  function evidenceLink(position, text) {
    const i = timeline.indexOfPosition(position);
    const e = i >= 0 ? timeline.events[i] : null;
    const label = text || (e ? `${fmtClock(timeline.times[i] - t0)} · ${EVENT_WORDS[e.type] || e.type.replace(/_/g, " ")}` : `position ${position}`);
    return h("a", {
      class: "evidence", href: `#at=${position}`, dataset: { position: String(position) },
      title: `Show position ${position} in the replay`,
      on: { click: (ev) => { ev.preventDefault(); seek(position); } },
    }, label);
  }

  renderStats(base, containers.stats);
  renderDiffs(timeline, containers.diffs, evidenceLink);
  await renderEvaluation(base, containers.body, evidenceLink, live);
}

// ---------------------------------------------------------------- the evaluation

async function renderEvaluation(base, body, evidenceLink, live, attempt = 0) {
  let ev;
  try {
    ev = (await api(`${base}/evaluation`)).evaluation;
  } catch (err) {
    if (err.code === "not_submitted") {
      body.replaceChildren(h("div", { class: "alert alert-info" },
        live ? "The interview is still in progress: the evaluation appears once it is submitted. You can follow it live in the replay above."
          : "The interview has not been submitted yet, so it has no evaluation."));
      return;
    }
    if (err.code === "evaluation_pending" && attempt < 40) {
      body.replaceChildren(h("div", { class: "alert alert-info" }, "The interview was submitted; its evaluation is being computed…"));
      setTimeout(() => renderEvaluation(base, body, evidenceLink, live, attempt + 1), Math.min(1000 * (attempt + 1), 5000));
      return;
    }
    showError(body, err, "Could not load the evaluation.");
    return;
  }
  const weights = (ev.config && ev.config.weights) || {};
  const parts = [];

  // The verdict.
  parts.push(h("div", { class: "verdict" },
    h("div", { class: "overall" },
      h("span", { class: "overall-score" }, fmtScore(ev.overallScore)),
      h("span", { class: "overall-label" }, "overall score out of 100")),
    h("dl", { class: "verdict-facts" },
      h("dt", null, "Recommendation"), h("dd", null, recommendationBadge(ev.recommendation)),
      h("dt", null, "Confidence"), h("dd", null, `${fmtScore(ev.confidence)} / 100`),
      h("dt", null, "Percentile"), h("dd", null,
        `${ordinal(ev.percentileRank)} percentile among ${ev.cohortSize} evaluated interview${ev.cohortSize === 1 ? "" : "s"} of this assessment`),
      h("dt", null, "Submitted"), h("dd", null, fmtDateTime(ev.submittedAt), " ", ev.submittedPosition ? evidenceLink(ev.submittedPosition, "show in replay") : null),
      h("dt", null, "Scoring"), h("dd", null, `version ${ev.scoringVersion || "—"}`))));

  // The components.
  const comps = h("div", { class: "components" });
  for (const [key, label, help] of COMPONENTS) {
    const value = ev.breakdown ? ev.breakdown[key] : undefined;
    const id = `meter-${key}`;
    const weight = weights[key];
    const off = key === "aiCollaboration" && ev.details && ev.details.aiCollaboration && ev.details.aiCollaboration.enabled === false;
    comps.append(h("div", { class: "component" },
      h("div", { class: "component-head" },
        h("span", { id: id + "-label", class: "component-name" }, label),
        h("span", { class: "component-score" }, fmtScore(value))),
      h("meter", { id, min: 0, max: 100, low: 40, high: 70, optimum: 100, value: Number.isFinite(value) ? value : 0, "aria-labelledby": id + "-label" }, fmtScore(value)),
      h("p", { class: "small muted" }, help, weight !== undefined ? ` Weight ${weight}${off ? " (assistant off: not counted)" : ""}.` : "")));
  }
  parts.push(h("section", { class: "report-section", "aria-labelledby": "components-heading" }, h("h3", { id: "components-heading" }, "Scores"), comps));

  // The flags.
  const flagList = (flags, kind) => {
    if (!flags || !flags.length) return h("p", { class: "muted" }, kind === "red" ? "None." : "None.");
    return h("ul", { class: ["flags", "flags-" + kind] }, flags.map((f) => h("li", { class: "flag" },
      h("strong", null, FLAG_TITLES[f.code] || f.code), h("span", { class: "muted small" }, ` (${f.code})`),
      h("p", null, f.message),
      f.evidence && f.evidence.length
        ? h("p", { class: "evidence-list" }, "Evidence: ", f.evidence.map((p, i) => [i ? ", " : "", evidenceLink(p)]))
        : null)));
  };
  parts.push(h("section", { class: "report-section flags-grid", "aria-labelledby": "flags-heading" },
    h("h3", { id: "flags-heading" }, "Flags"),
    h("div", { class: "flag-col" }, h("h4", null, h("span", { class: "flag-dot red", "aria-hidden": "true" }), "Worth a look (red flags)"), flagList(ev.redFlags, "red")),
    h("div", { class: "flag-col" }, h("h4", null, h("span", { class: "flag-dot green", "aria-hidden": "true" }), "Strengths (green flags)"), flagList(ev.greenFlags, "green"))));

  // The questions.
  const d = ev.details || {};
  const qs = (d.technical && d.technical.questions) || [];
  if (qs.length) {
    const table = h("table", { class: "table" },
      h("caption", { class: "visually-hidden" }, "Technical details per question"),
      h("thead", null, h("tr", null, ["Question", "Difficulty", "Tests passed", "Hidden failing", "Candidate runs", "First full pass", "Estimate", "Final run"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, qs.map((q) => h("tr", null,
        h("th", { scope: "row" }, q.title || "(untitled)"),
        h("td", null, `${(q.difficulty || "").toLowerCase()} (weight ${q.weight})`),
        h("td", { class: "num" }, `${q.testsPassed}/${q.testsTotal}`),
        h("td", { class: ["num", q.hiddenFailed ? "bad" : ""] }, String(q.hiddenFailed)),
        h("td", { class: "num" }, String(q.candidateRuns)),
        h("td", null, q.secondsToFirstPass >= 0 ? `after ${fmtDuration(q.secondsToFirstPass)}` : "never"),
        h("td", null, q.estimatedMinutes ? `${q.estimatedMinutes} min` : "—"),
        h("td", null, q.finalRunPosition ? evidenceLink(q.finalRunPosition) : "never ran")))));
    parts.push(h("section", { class: "report-section", "aria-labelledby": "questions-heading" }, h("h3", { id: "questions-heading" }, "Questions"), h("div", { class: "table-wrap" }, table)));
  }

  // The measures behind the other components.
  const facts = (pairs) => h("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
  const cq = d.codeQuality || {};
  const ps = d.problemSolving || {};
  const ai = d.aiCollaboration || {};
  const cost = d.cost || {};
  const cqBox = h("div", { class: "detail-box" }, h("h4", null, "Code quality"),
    cq.analyzed === false ? h("p", { class: "muted" }, "Not analyzed.") : facts([
      ["Score", fmtScore(cq.score)], ["Language", cq.language || "—"], ["Files", fmtNumber(cq.files)], ["Code lines", fmtNumber(cq.codeLines)],
      ["Functions", fmtNumber(cq.functions)], ["Worst complexity", fmtNumber(cq.maxComplexity)], ["Deepest nesting", fmtNumber(cq.maxNesting)],
      ["Duplication", fmtPercent(cq.duplication)], ["Good names", fmtPercent(cq.naming)], ["Parse errors", fmtNumber(cq.parseErrors)],
    ]),
    cq.findings && cq.findings.length ? [h("h5", null, "Findings"), h("ul", { class: "findings" }, cq.findings.map((f) => h("li", null, h("code", null, f))))] : null);
  const psBox = h("div", { class: "detail-box" }, h("h4", null, "Problem solving"), facts([
    ["Completion", fmtPercent(ps.completion)], ["Progress", fmtPercent(ps.progress)], ["Speed", fmtPercent(ps.speed)],
  ]));
  const aiBox = h("div", { class: "detail-box" }, h("h4", null, "AI collaboration"), ai.enabled === false ? h("p", { class: "muted" }, "The assistant was off for this assessment.") : facts([
    ["Turns", fmtNumber(ai.turns)], ["Prompt quality", ai.promptQuality ? `${fmtScore(ai.promptQuality)} / 5` : "—"],
    ["Code from the AI", fmtPercent(ai.dependency)], ["Pastes of AI code", fmtNumber(ai.aiPastes)], ["Tested after pasting", fmtPercent(ai.verified)],
    ["Follow-ups", fmtPercent(ai.iteration)],
    ["Tokens", `${fmtNumber(cost.inputTokens)} in · ${fmtNumber(cost.outputTokens)} out`], ["AI cost", fmtUSD(cost.usd)],
  ]));
  const evBox = h("div", { class: "detail-box" }, h("h4", null, "Evidence"), facts([
    ["Evidence", fmtPercent(d.evidence)], ["Code from outside the session", fmtPercent(d.externalCode)],
  ]), h("p", { class: "small muted" }, "How much the interview showed to judge from; code pasted from outside the session is credited at half."));
  parts.push(h("section", { class: "report-section", "aria-labelledby": "details-heading" }, h("h3", { id: "details-heading" }, "Details"), h("div", { class: "details-grid" }, cqBox, psBox, aiBox, evBox)));

  body.replaceChildren(...parts);
}

// ---------------------------------------------------------------- diffs

function renderDiffs(timeline, container, evidenceLink) {
  const events = timeline.events;
  const submitted = events.find((e) => e.type === "interview_submitted");
  if (!submitted) {
    container.replaceChildren(h("p", { class: "muted" }, "The changes appear once the interview is submitted."));
    return;
  }
  const finalFiles = (submitted.data && submitted.data.finalFiles) || {};
  const windows = core.questionWindows(events);
  const out = [];
  for (const w of windows) {
    const q = w.question;
    const title = q ? `${core.questionLabel(q)}${q.difficulty ? ` (${q.difficulty.toLowerCase()})` : ""}` : "The session";
    const section = h("section", { class: "diff-question" }, h("h4", null, title));
    const first = core.firstContents(events, w.start, w.end);
    if (!first.size) {
      section.append(h("p", { class: "muted" }, "No snapshot or test run was recorded for this question."));
      out.push(section);
      continue;
    }
    for (const [name, snap] of first) {
      const inFinal = Object.prototype.hasOwnProperty.call(finalFiles, name);
      const ops = core.diffLines(snap.content, inFinal ? finalFiles[name] : "");
      const { added, deleted } = core.diffStats(ops);
      const details = h("details", { class: "diff-file", open: true },
        h("summary", null, h("code", null, name), ` `, h("span", { class: "d-add-count" }, `+${added}`), " ", h("span", { class: "d-del-count" }, `−${deleted}`),
          inFinal ? "" : h("span", { class: "muted" }, " (not among the submitted files)")));
      details.append(h("p", { class: "small muted" }, `From the first ${snap.source === "test_run" ? "test run" : "snapshot"} of the question (`, evidenceLink(snap.position), ") to the submitted code."));
      if (!added && !deleted) details.append(h("p", { class: "muted" }, "Unchanged."));
      else details.append(diffView(ops));
      section.append(details);
    }
    out.push(section);
  }
  container.replaceChildren(...out);
}

function diffView(ops) {
  const pre = h("pre", { class: "diff", tabindex: "0" });
  let lines = 0;
  for (const hunk of core.hunks(ops, 3)) {
    if (lines > MAX_DIFF_LINES) {
      pre.append(h("span", { class: "d-hunk" }, "… (the rest of the diff is too long to show)\n"));
      break;
    }
    pre.append(h("span", { class: "d-hunk" }, `@@ -${hunk.aStart},${hunk.aLines} +${hunk.bStart},${hunk.bLines} @@\n`));
    for (const o of hunk.lines) {
      const cls = o.op === "+" ? "d-add" : o.op === "-" ? "d-del" : "d-ctx";
      pre.append(h("span", { class: cls }, `${o.op === " " ? " " : o.op}${o.line}\n`));
      lines++;
    }
  }
  return pre;
}

// ---------------------------------------------------------------- stats

async function renderStats(base, container) {
  let s;
  try {
    s = await api(`${base}/stats`);
  } catch (err) {
    showError(container, err, "Could not load the figures.");
    return;
  }
  const rows = [
    ["Duration", fmtDuration(s.durationSeconds)],
    ["Events", fmtNumber(s.events)],
    ["Keystrokes", fmtNumber(s.keystrokes)],
    ["Characters typed / deleted", `${fmtNumber(s.charsInserted)} / ${fmtNumber(s.charsDeleted)}`],
    ["Pastes", `${fmtNumber(s.pastes)} (${fmtNumber(s.pastedChars)} characters)`],
    ["Times the tab was left", fmtNumber(s.focusLosses)],
    ["Idle", fmtDuration(s.idleSeconds)],
    ["AI turns", fmtNumber(s.aiInteractions)],
    ["AI tokens", `${fmtNumber(s.tokensIn)} in · ${fmtNumber(s.tokensOut)} out`],
    ["AI cost", fmtUSD(s.costUsd)],
    ["Test runs", fmtNumber(s.testRuns)],
    ["Test cases passed / failed", `${fmtNumber(s.testsPassed)} / ${fmtNumber(s.testsFailed)}`],
  ];
  container.replaceChildren(h("dl", { class: "facts stats" }, rows.map(([k, v]) => [h("dt", null, k), h("dd", null, v)])));
}

