// Helpers shared by the pages: calling the API (same origin, the session cookie), building DOM
// without innerHTML, and formatting.

export class ApiError extends Error {
  constructor(status, code, message, details = {}, retryAfter = 0) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.retryAfter = retryAfter;
  }
}

// loginURL is the sign-in page that comes back to where the browser is now.
export function loginURL() {
  const here = location.pathname + location.search + location.hash;
  return "/login?next=" + encodeURIComponent(here);
}

// api calls the HTTP API and answers its JSON. A failure throws an ApiError carrying the API's
// {error: {code, message, details}}. A 401 sends the browser to the sign-in page unless
// options.noRedirect is set.
export async function api(path, options = {}) {
  const init = {
    method: options.method || "GET",
    credentials: "same-origin",
    headers: { Accept: "application/json" },
    signal: options.signal,
  };
  if (options.body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw new ApiError(0, "network_error", "The server could not be reached. Check your connection and try again.");
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const retryAfter = Number(res.headers.get("Retry-After")) || 0;
    const e = new ApiError(res.status, err.code || `http_${res.status}`, err.message || `${res.status} ${res.statusText}`.trim(), err.details, retryAfter);
    if (res.status === 401 && !options.noRedirect) {
      location.assign(loginURL());
    }
    throw e;
  }
  return data;
}

// h builds an element: h("a", {href: "/x", class: "link", dataset: {id: 1}, on: {click: fn}}, "text", child…).
// Attributes go through setAttribute, text through text nodes: nothing is parsed as HTML.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = Array.isArray(v) ? v.filter(Boolean).join(" ") : v;
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      else if (k === "text") el.textContent = v;
      else if (k in el && typeof v !== "string" && k !== "list") el[k] = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// errorBox renders an error for people: the API's message and its code.
export function errorBox(err, prefix) {
  const box = h("div", { class: "alert alert-error", role: "alert" });
  if (prefix) box.append(h("strong", null, prefix + " "));
  box.append(messageOf(err));
  if (err && err.code && err.status) box.append(" ", h("span", { class: "muted" }, `(${err.code}, HTTP ${err.status})`));
  return box;
}

export function messageOf(err) {
  if (!err) return "Something went wrong.";
  if (err instanceof ApiError) return sentence(err.message);
  return sentence(err.message || String(err));
}

function sentence(s) {
  s = String(s || "").trim();
  if (!s) return "Something went wrong.";
  s = s[0].toUpperCase() + s.slice(1);
  return /[.!?]$/.test(s) ? s : s + ".";
}

// showError replaces a container's content with an error box.
export function showError(container, err, prefix) {
  container.replaceChildren(errorBox(err, prefix));
}

// ---------------------------------------------------------------- formatting

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export function fmtDateTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateTimeFormat.format(d);
}

export function fmtTime(ms) {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? "—" : timeFormat.format(d);
}

// fmtClock formats a duration in ms as m:ss or h:mm:ss.
export function fmtClock(ms) {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  const total = Math.floor(ms / 1000);
  const hh = Math.floor(total / 3600), mm = Math.floor((total % 3600) / 60), ss = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return hh > 0 ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}

// fmtDuration formats seconds for people: "45 s", "12 min 5 s", "1 h 3 min".
export function fmtDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const hh = Math.floor(m / 60);
  return m % 60 ? `${hh} h ${m % 60} min` : `${hh} h`;
}

const numberFormat = new Intl.NumberFormat();
export function fmtNumber(n) {
  return Number.isFinite(n) ? numberFormat.format(n) : "—";
}

export function fmtScore(n) {
  return Number.isFinite(n) ? (Math.round(n * 10) / 10).toFixed(1) : "—";
}

export function fmtPercent(share) {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : "—";
}

export function fmtUSD(n) {
  if (!Number.isFinite(n)) return "—";
  return "$" + (n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2));
}

export function ordinal(n) {
  const r = Math.round(n);
  const s = r % 100 >= 11 && r % 100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" })[r % 10] || "th";
  return `${r}${s}`;
}

export const RECOMMENDATIONS = {
  STRONG_YES: "Strong yes",
  YES: "Yes",
  MAYBE: "Maybe",
  NO: "No",
  STRONG_NO: "Strong no",
};

export const CANDIDATE_STATUSES = {
  INVITED: "Invited",
  IN_PROGRESS: "In progress",
  COMPLETED: "Submitted",
  EVALUATED: "Evaluated",
  HIRED: "Hired",
  REJECTED: "Rejected",
};

export function recommendationBadge(rec) {
  if (!rec) return h("span", { class: "muted" }, "—");
  return h("span", { class: ["badge", "rec-" + rec.toLowerCase().replace(/_/g, "-")] }, RECOMMENDATIONS[rec] || rec);
}

export function statusBadge(status) {
  return h("span", { class: ["badge", "status-" + String(status || "").toLowerCase().replace(/_/g, "-")] }, CANDIDATE_STATUSES[status] || status || "—");
}

// signOut ends the session and goes to the sign-in page.
export async function signOut() {
  try {
    await api("/api/auth/logout", { method: "POST", noRedirect: true });
  } catch {
    // Signed out already, or the server is away: the sign-in page is the right place anyway.
  }
  location.assign("/login");
}

// prefersReducedMotion is the user's wish for less animation.
export function prefersReducedMotion() {
  return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

// setBusy marks a region as loading for assistive technology.
export function setBusy(el, busy) {
  if (busy) el.setAttribute("aria-busy", "true");
  else el.removeAttribute("aria-busy");
}
