// The sign-in page: email and password against POST /api/auth/login, which sets the session
// cookie; then on to ?next= (a path on this site) or /app.
import { api, h, messageOf } from "/static/app-common.js";

const OAUTH_ERRORS = {
  oauth_denied: "Sign-in was cancelled at the provider.",
  invalid_oauth_state: "That sign-in attempt expired or was not started here. Please start again.",
  oauth_failed: "The sign-in provider did not answer as expected. Please try again.",
  email_unverified: "The provider has not verified your email address. Verify it there, or sign in with your password.",
  unknown_provider: "That sign-in provider is not available on this server.",
  internal: "Something went wrong on our side while signing you in. Please try again.",
};

// safeNext keeps only a path on this site, so that the sign-in page is never an open redirect.
function safeNext(raw) {
  if (!raw || typeof raw !== "string") return "/app";
  if (!raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\") || /[\u0000-\u001f\\]/.test(raw)) return "/app";
  if (raw === "/login" || raw.startsWith("/login?") || raw.startsWith("/api/")) return "/app";
  return raw;
}

const params = new URLSearchParams(location.search);
const messages = document.getElementById("messages");
const form = document.getElementById("login-form");
const submit = document.getElementById("submit");

function say(kind, text) {
  messages.replaceChildren(h("div", { class: ["alert", "alert-" + kind], role: kind === "error" ? "alert" : "status" }, text));
}

const errorCode = params.get("error");
if (errorCode) {
  say("error", OAUTH_ERRORS[errorCode] || `Sign-in failed (${errorCode}). Please try again.`);
} else if (params.get("next")) {
  say("info", "Please sign in to continue.");
}

// The providers this server is configured for, each a link that starts its sign-in and comes
// back to the page asked for.
const PROVIDER_NAMES = { github: "GitHub", google: "Google" };
api("/api/auth/providers", { noRedirect: true }).then(({ providers }) => {
  const next = encodeURIComponent(safeNext(params.get("next")));
  document.getElementById("providers").replaceChildren(...(providers || []).map((p) =>
    h("a", { class: ["button", "button-quiet"], href: `/api/auth/oauth/${encodeURIComponent(p)}/start?redirect=${next}` },
      `Sign in with ${PROVIDER_NAMES[p] || p}`)));
}).catch(() => {}); // no buttons: the password form still works

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const email = form.email.value.trim();
  const password = form.password.value;
  if (!email || !password) {
    say("error", "Enter your email and password.");
    (email ? form.password : form.email).focus();
    return;
  }
  submit.disabled = true;
  submit.textContent = "Signing in…";
  try {
    await api("/api/auth/login", { method: "POST", body: { email, password }, noRedirect: true });
    location.assign(safeNext(params.get("next")));
  } catch (err) {
    submit.disabled = false;
    submit.textContent = "Sign in";
    if (err.code === "invalid_credentials") say("error", "Wrong email or password.");
    else if (err.code === "rate_limited") say("error", `Too many attempts. Try again in ${err.retryAfter ? Math.ceil(err.retryAfter / 60) + " min" : "a few minutes"}.`);
    else say("error", messageOf(err));
    form.password.select();
    form.password.focus();
  }
});
