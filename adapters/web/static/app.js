// The hiring team's lists: organizations → assessments → candidates. Where the user is lives in
// the URL (/app?org=…&assessment=…), so that links, reloads and back/forward all work.
import {
  api, h, showError, fmtDateTime, fmtScore, recommendationBadge, statusBadge, signOut, setBusy,
} from "/static/app-common.js";

const params = new URLSearchParams(location.search);
const orgId = params.get("org");
const assessmentId = params.get("assessment");

const orgsList = document.getElementById("orgs");
const content = document.getElementById("content");
const crumbs = document.getElementById("breadcrumb");

document.getElementById("sign-out").addEventListener("click", signOut);

function appURL(org, assessment) {
  const q = new URLSearchParams();
  if (org) q.set("org", org);
  if (assessment) q.set("assessment", assessment);
  const s = q.toString();
  return "/app" + (s ? "?" + s : "");
}

function breadcrumb(items) {
  const ol = h("ol");
  items.forEach((it, i) => {
    const last = i === items.length - 1;
    ol.append(h("li", null, last || !it.href ? h("span", { "aria-current": last ? "page" : null }, it.label) : h("a", { href: it.href }, it.label)));
  });
  crumbs.replaceChildren(ol);
}

async function main() {
  let me;
  try {
    me = await api("/api/auth/me");
  } catch (err) {
    setBusy(orgsList, false);
    orgsList.replaceChildren();
    showError(content, err, "Could not load your account.");
    return;
  }
  document.getElementById("user-name").textContent = me.user.name || me.user.email;
  const orgs = me.organizations || [];
  setBusy(orgsList, false);
  orgsList.replaceChildren(...orgs.map((o) =>
    h("li", null, h("a", { href: appURL(o.id), "aria-current": o.id === orgId ? "page" : null },
      o.name, " ", h("span", { class: "muted small" }, o.role ? o.role.toLowerCase() : "")))));
  if (!orgs.length) {
    orgsList.replaceChildren(h("li", { class: "muted" }, "None yet"));
    content.replaceChildren(h("h1", null, "Welcome"), h("p", null, "You are not a member of any organization yet. Ask an owner or admin of your team to add you."));
    breadcrumb([{ label: "Organizations" }]);
    return;
  }
  let org = orgs.find((o) => o.id === orgId);
  if (!org) {
    if (orgId) {
      content.replaceChildren(h("div", { class: "alert alert-error", role: "alert" }, "That organization was not found among yours."));
      breadcrumb([{ label: "Organizations" }]);
      return;
    }
    if (orgs.length > 1) {
      breadcrumb([{ label: "Organizations" }]);
      content.replaceChildren(h("h1", null, "Choose an organization"),
        h("ul", { class: "card-list" }, orgs.map((o) => h("li", { class: "card" }, h("a", { href: appURL(o.id) }, o.name), h("span", { class: "muted small" }, ` · ${o.plan || ""} · ${(o.role || "").toLowerCase()}`)))));
      return;
    }
    org = orgs[0];
    history.replaceState(null, "", appURL(org.id));
    orgsList.querySelector("a").setAttribute("aria-current", "page");
  }
  if (assessmentId) await showCandidates(org, assessmentId);
  else await showAssessments(org);
}

async function showAssessments(org) {
  breadcrumb([{ label: org.name }]);
  document.title = `${org.name} · InterviewLM`;
  setBusy(content, true);
  let list;
  try {
    list = (await api(`/api/orgs/${encodeURIComponent(org.id)}/assessments`)).assessments || [];
  } catch (err) {
    setBusy(content, false);
    showError(content, err, "Could not load the assessments.");
    return;
  }
  setBusy(content, false);
  const heading = h("h1", null, "Assessments");
  if (!list.length) {
    content.replaceChildren(heading, h("p", { class: "muted" }, "This organization has no assessments yet."));
    return;
  }
  const table = h("table", { class: "table" },
    h("caption", { class: "visually-hidden" }, `Assessments of ${org.name}, newest first`),
    h("thead", null, h("tr", null, ["Title", "Status", "Language", "Level", "Duration", "Questions", "Created"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, list.map((a) => h("tr", null,
      h("th", { scope: "row" }, h("a", { href: appURL(org.id, a.id) }, a.title || "(untitled)")),
      h("td", null, h("span", { class: ["badge", "astatus-" + String(a.status || "").toLowerCase()] }, a.status || "—")),
      h("td", null, a.language || "—"),
      h("td", null, a.seniority || "—"),
      h("td", null, a.durationMinutes ? `${a.durationMinutes} min` : "—"),
      h("td", { class: "num" }, a.questionCount ?? "—"),
      h("td", null, fmtDateTime(a.createdAt)),
    ))));
  content.replaceChildren(heading, h("div", { class: "table-wrap" }, table));
}

async function showCandidates(org, id) {
  setBusy(content, true);
  let assessment, candidates;
  try {
    [assessment, candidates] = await Promise.all([
      api(`/api/assessments/${encodeURIComponent(id)}`).then((r) => r.assessment),
      api(`/api/assessments/${encodeURIComponent(id)}/candidates`).then((r) => r.candidates || []),
    ]);
  } catch (err) {
    setBusy(content, false);
    breadcrumb([{ label: org.name, href: appURL(org.id) }, { label: "Assessment" }]);
    showError(content, err, "Could not load the candidates.");
    return;
  }
  setBusy(content, false);
  breadcrumb([{ label: org.name, href: appURL(org.id) }, { label: assessment.title || "Assessment" }]);
  document.title = `${assessment.title} · InterviewLM`;
  const heading = h("h1", null, assessment.title || "Assessment");
  const meta = h("p", { class: "muted" },
    [assessment.status, assessment.language, assessment.seniority, assessment.durationMinutes && `${assessment.durationMinutes} min`,
      assessment.questionCount && `${assessment.questionCount} question${assessment.questionCount === 1 ? "" : "s"}`].filter(Boolean).join(" · "));
  const back = h("p", null, h("a", { href: appURL(org.id) }, "← All assessments"));
  if (!candidates.length) {
    content.replaceChildren(back, heading, meta, h("h2", null, "Candidates"), h("p", { class: "muted" }, "No candidate has been invited yet."));
    return;
  }
  const table = h("table", { class: "table" },
    h("caption", { class: "visually-hidden" }, "Candidates, newest invite first"),
    h("thead", null, h("tr", null, ["Name", "Email", "Status", "Score", "Recommendation", "Started", "Submitted", "Interview"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, candidates.map((c) => h("tr", null,
      h("th", { scope: "row" }, c.name),
      h("td", null, h("span", { class: "email" }, c.email)),
      h("td", null, statusBadge(c.status), c.inviteRevoked ? h("span", { class: "muted small" }, " (invite revoked)") : (c.inviteExpired && c.status === "INVITED" ? h("span", { class: "muted small" }, " (invite expired)") : null)),
      h("td", { class: "num" }, c.overallScore !== undefined && c.overallScore !== null ? fmtScore(c.overallScore) : h("span", { class: "muted" }, "—")),
      h("td", null, recommendationBadge(c.recommendation)),
      h("td", null, c.startedAt ? fmtDateTime(c.startedAt) : h("span", { class: "muted" }, "—")),
      h("td", null, c.submittedAt ? fmtDateTime(c.submittedAt) : h("span", { class: "muted" }, "—")),
      h("td", null, c.interviewId
        ? h("a", { href: `/app/interviews/${encodeURIComponent(c.interviewId)}`, "aria-label": `Replay and report of ${c.name}` }, c.submittedAt ? "Replay & report" : "Watch live")
        : h("span", { class: "muted" }, "Not started")),
    ))));
  content.replaceChildren(back, heading, meta, h("h2", null, `Candidates (${candidates.length})`), h("div", { class: "table-wrap" }, table));
}

main();
