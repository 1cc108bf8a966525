// Package web holds the hiring team's pages — sign-in, the candidate lists, the replay viewer
// and the evaluation report — embedded in the binary, so that the service needs no front-end
// server and no CDN (neither the build machine nor a customer's intranet may reach one). The
// pages are static files that call the public HTTP API; this package serves them with the
// headers a browser needs to keep them safe.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var embedded embed.FS

// Pages are the HTML shells by route: the JavaScript of each reads what it shows from the API.
var Pages = map[string]string{
	"login":     "login.html",
	"app":       "app.html",
	"interview": "interview.html",
}

// vendorPlaceholder is where a page wants the bundled libraries' script tags.
const vendorPlaceholder = "<!--ILM_VENDOR_SCRIPTS-->"

// ContentSecurityPolicy lets the pages load and call only their own origin: no inline script or
// style, no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Site serves the pages and their static files.
type Site struct {
	static fs.FS
	pages  map[string][]byte // rendered shells by page name
	etags  map[string]string // static file path → ETag
	// Vendor is the manifest of the bundled libraries (static/vendor/manifest.json).
	Vendor Manifest
	start  time.Time
}

// Manifest describes the committed CodeMirror bundle (adapters/web/frontend builds it).
type Manifest struct {
	CodeMirror string `json:"codemirror"`
	SHA256     string `json:"sha256"`
	Bytes      int64  `json:"bytes"`
	GzipBytes  int64  `json:"gzipBytes"`
}

// New loads the embedded site. A missing bundle is not an error: the pages fall back to plain
// text views.
func New() (*Site, error) {
	static, err := fs.Sub(embedded, "static")
	if err != nil {
		return nil, err
	}
	s := &Site{static: static, pages: map[string][]byte{}, etags: map[string]string{}, start: time.Now()}
	if raw, err := fs.ReadFile(static, "vendor/manifest.json"); err == nil {
		if err := json.Unmarshal(raw, &s.Vendor); err != nil {
			return nil, fmt.Errorf("web: vendor/manifest.json: %w", err)
		}
		if _, err := fs.Stat(static, path.Join("vendor", s.Vendor.CodeMirror)); err != nil {
			return nil, fmt.Errorf("web: the manifest names %s: %w", s.Vendor.CodeMirror, err)
		}
	}
	scripts := ""
	if s.Vendor.CodeMirror != "" {
		scripts = `<script src="/static/vendor/` + html.EscapeString(s.Vendor.CodeMirror) + `"></script>`
	}
	for name, file := range Pages {
		raw, err := fs.ReadFile(static, file)
		if errors.Is(err, fs.ErrNotExist) {
			continue // a page not written yet answers 404
		}
		if err != nil {
			return nil, err
		}
		s.pages[name] = bytes.Replace(raw, []byte(vendorPlaceholder), []byte(scripts), 1)
	}
	err = fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(raw)
		s.etags[p] = `"` + hex.EncodeToString(sum[:8]) + `"`
		return nil
	})
	return s, err
}

// securityHeaders are set on every answer of the site.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// ServePage writes the named page's shell.
func (s *Site) ServePage(w http.ResponseWriter, r *http.Request, name string) {
	page, ok := s.pages[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	securityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The shells are tiny and name the bundle by version: always revalidate them.
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name+".html", s.start, bytes.NewReader(page))
}

// ServeStatic serves a file under /static/ (name is the path below it).
func (s *Site) ServeStatic(w http.ResponseWriter, r *http.Request, name string) {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	etag, ok := s.etags[name]
	if !ok || strings.HasSuffix(name, ".html") {
		http.NotFound(w, r)
		return
	}
	securityHeaders(w.Header())
	if strings.HasPrefix(name, "vendor/") && name != "vendor/manifest.json" {
		// Bundles carry their version in their name: they never change under it.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", etag)
	f, err := s.static.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		http.Error(w, "unreadable", http.StatusInternalServerError)
		return
	}
	http.ServeContent(w, r, name, time.Time{}, rs)
}
