// Package chromium starts Debian's Chromium headless for the pages' browser tests and the
// benchmark: found the same way, with the flags this machine's closed network needs and a
// profile of its own.
package chromium

import (
	"context"
	"errors"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// Path is the browser to run: CHROMIUM, else chromium (or chromium-browser, google-chrome) on
// the PATH.
func Path() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium: run .ci/ensure-browser (make test and make bench do) or set CHROMIUM")
}

// Allocator returns the context browsers are started in: headless, without the sandbox (it
// runs as root here), without the background traffic a closed network refuses, with profile
// as its user data directory.
func Allocator(ctx context.Context, path, profile string) (context.Context, context.CancelFunc) {
	return chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1400, 1000),
	)
}
