// The read-only code view of the InterviewLM pages: CodeMirror 6 (view, state, language and
// three Lezer grammars), bundled by scripts/build.mjs into one IIFE that defines exactly one
// global, window.ILMEditor.
//
//   const view = ILMEditor.create(parent, { doc: "", language: "python" });
//   view.set(doc, language);  // replace the content (the top line stays in place), re-highlight
//   view.getDoc();            // the text shown
//   view.destroy();
//   ILMEditor.version         // e.g. "6.43.15-ilm1"
//
// Languages: "python", "javascript", "typescript", "go" (case-insensitive; "py", "js", "ts" and
// "golang" are accepted too); anything else, "" included, shows plain text.
//
// The pages are served with `style-src 'self'`, which blocks the <style> element CodeMirror
// writes its CSS into in a plain document. So each view lives in a shadow root on a
// <div class="ilm-editor"> appended to parent: there CodeMirror uses a constructed style sheet
// (adoptedStyleSheets), which the policy does not govern. Pages size the view by sizing parent
// (the view fills it, and scrolls inside it when parent has a height), and may set the CSS
// custom properties below on parent or any ancestor; they inherit into the shadow root.

import { EditorState, Compartment } from "@codemirror/state";
import { EditorView, lineNumbers, highlightSpecialChars } from "@codemirror/view";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
// The bare grammars, not python() / javascript() / go(): those add completion sources (and,
// for JavaScript, @codemirror/autocomplete and @codemirror/lint) that a read-only view never uses.
import { pythonLanguage } from "@codemirror/lang-python";
import { javascriptLanguage, typescriptLanguage } from "@codemirror/lang-javascript";
import { goLanguage } from "@codemirror/lang-go";

const VERSION = typeof __ILM_VERSION__ === "string" ? __ILM_VERSION__ : "dev";

const languages = {
  python: pythonLanguage,
  py: pythonLanguage,
  javascript: javascriptLanguage,
  js: javascriptLanguage,
  typescript: typescriptLanguage,
  ts: typescriptLanguage,
  go: goLanguage,
  golang: goLanguage,
};

function languageKey(name) {
  const key = typeof name === "string" ? name.trim().toLowerCase() : "";
  return Object.prototype.hasOwnProperty.call(languages, key) ? key : "";
}

function languageExtension(key) {
  return key ? languages[key].extension : [];
}

// A light palette after GitHub's (every colour at least 4.5:1 on white).
const highlightStyle = HighlightStyle.define([
  { tag: [t.keyword, t.modifier, t.operatorKeyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword], color: "#cf222e" },
  { tag: [t.self, t.bool, t.null, t.atom], color: "#0550ae" },
  { tag: [t.number, t.integer, t.float], color: "#0550ae" },
  { tag: [t.string, t.special(t.string), t.character, t.regexp, t.escape], color: "#0a3069" },
  { tag: [t.comment, t.lineComment, t.blockComment, t.docComment], color: "#6e7781", fontStyle: "italic" },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.function(t.definition(t.variableName))], color: "#8250df" },
  { tag: [t.definition(t.variableName), t.definition(t.propertyName)], color: "#953800" },
  { tag: [t.typeName, t.className, t.namespace, t.standard(t.variableName)], color: "#953800" },
  { tag: [t.propertyName], color: "#0550ae" },
  { tag: [t.meta, t.annotation, t.processingInstruction], color: "#6e7781" },
  { tag: [t.invalid], color: "#82071e", textDecoration: "underline wavy" },
  { tag: t.strong, fontWeight: "bold" },
  { tag: t.emphasis, fontStyle: "italic" },
]);

const theme = EditorView.theme(
  {
    "&": {
      height: "100%",
      color: "var(--ilm-editor-fg, #1f2328)",
      backgroundColor: "var(--ilm-editor-bg, #ffffff)",
      fontSize: "var(--ilm-editor-font-size, 13px)",
    },
    "&.cm-focused": { outline: "2px solid var(--ilm-editor-focus, #0969da)", outlineOffset: "-2px" },
    ".cm-scroller": {
      fontFamily: "var(--ilm-editor-font, ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace)",
      lineHeight: "1.5",
      overflow: "auto",
    },
    ".cm-content": { padding: "4px 0", tabSize: "4", MozTabSize: "4" },
    ".cm-line": { padding: "0 12px 0 8px" },
    ".cm-gutters": {
      color: "var(--ilm-editor-gutter-fg, #6e7781)",
      backgroundColor: "var(--ilm-editor-gutter-bg, #f6f8fa)",
      borderRight: "1px solid var(--ilm-editor-border, #d0d7de)",
    },
    ".cm-lineNumbers .cm-gutterElement": { padding: "0 8px 0 12px", minWidth: "3ch" },
    ".cm-specialChar": { color: "#cf222e" },
    "& ::selection, &.cm-focused ::selection": { backgroundColor: "#b6e3ff" },
  },
  { dark: false },
);

// The shadow root's own rules: the host fills parent, and nothing moves for users who ask for
// less motion (nothing animates anyway; this keeps it so).
const hostCSS =
  ":host{display:block;height:100%;min-height:0}" +
  "@media (prefers-reduced-motion: reduce){*,*::before,*::after{animation:none!important;transition:none!important;scroll-behavior:auto!important}}";

let hostSheet = null;

function mountPoint(parent) {
  const host = parent.ownerDocument.createElement("div");
  host.className = "ilm-editor";
  parent.appendChild(host);
  const win = parent.ownerDocument.defaultView;
  if (!host.attachShadow || !win || !win.CSSStyleSheet) return { host, root: null, into: host };
  const root = host.attachShadow({ mode: "open" });
  try {
    if (!hostSheet) {
      hostSheet = new win.CSSStyleSheet();
      hostSheet.replaceSync(hostCSS);
    }
    root.adoptedStyleSheets = [hostSheet];
  } catch (e) {
    // No constructable style sheets: CodeMirror falls back to a <style> element, which a
    // strict style-src blocks; the text still shows.
  }
  return { host, root, into: root };
}

function normalize(doc) {
  if (doc == null) return "";
  return String(doc).replace(/\r\n?/g, "\n");
}

function isLowSurrogate(code) {
  return code >= 0xdc00 && code <= 0xdfff;
}

// The smallest single change that turns a into b: the common prefix and suffix are kept, so
// CodeMirror maps the viewport, the scroll position and the parse tree across it.
function diff(a, b) {
  const max = Math.min(a.length, b.length);
  let start = 0;
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  if (start > 0 && start < max && isLowSurrogate(a.charCodeAt(start))) start--;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--;
    endB--;
  }
  if (endA < a.length && isLowSurrogate(a.charCodeAt(endA))) {
    endA++;
    endB++;
  }
  return { from: start, to: endA, insert: b.slice(start, endB) };
}

function create(parent, options) {
  if (!parent || typeof parent.appendChild !== "function") {
    throw new TypeError("ILMEditor.create: parent must be an HTMLElement");
  }
  const opts = options || {};
  let shown = normalize(opts.doc);
  let language = languageKey(opts.language);
  const languageConf = new Compartment();
  const { host, root, into } = mountPoint(parent);

  const view = new EditorView({
    parent: into,
    root: root || undefined,
    state: EditorState.create({
      doc: shown,
      extensions: [
        EditorState.readOnly.of(true),
        EditorView.editable.of(false),
        // Focusable, so that keyboard users can scroll it; labelled for screen readers.
        EditorView.contentAttributes.of({ tabindex: "0", "aria-label": "Code", "aria-readonly": "true" }),
        lineNumbers(),
        highlightSpecialChars(),
        syntaxHighlighting(highlightStyle),
        theme,
        languageConf.of(languageExtension(language)),
      ],
    }),
  });

  return {
    set(doc, lang) {
      const next = normalize(doc);
      const key = languageKey(lang);
      const spec = { effects: [] };
      let toTop = false;
      if (next !== shown) {
        const change = diff(shown, next);
        spec.changes = view.state.changes(change);
        if (shown.length > 0 && next.length > 0 && change.from === 0 && change.to === shown.length) {
          // A different file altogether starts at its top.
          toTop = true;
        } else if (change.from < view.viewport.to) {
          // An edit at or above what is shown keeps the top line where it is. (CodeMirror only
          // corrects for changes it measures, so not for lines out of view that come or go.)
          const keep = view.scrollSnapshot().map(spec.changes);
          if (keep) spec.effects.push(keep);
        }
      }
      if (key !== language) spec.effects.push(languageConf.reconfigure(languageExtension(key)));
      shown = next;
      language = key;
      if (spec.changes || spec.effects.length) view.dispatch(spec);
      if (toTop) {
        // The editor's own scroller only: scrollIntoView would scroll the page as well.
        view.scrollDOM.scrollTop = 0;
        view.scrollDOM.scrollLeft = 0;
      }
    },
    getDoc() {
      return shown;
    },
    destroy() {
      view.destroy();
      host.remove();
    },
  };
}

window.ILMEditor = Object.freeze({ create, version: VERSION });
