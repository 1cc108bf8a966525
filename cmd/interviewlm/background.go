package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/interviewlm/interviewlm/adapters/background"
	"github.com/interviewlm/interviewlm/adapters/blobstore"
	"github.com/interviewlm/interviewlm/adapters/httpapi"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/projections"
)

// openArchives opens the store ARCHIVE_DRIVER names; the local store also serves its signed
// download links, which the API mounts under /api/archives.
func (a *app) openArchives(ctx context.Context) (blobstore.Store, http.Handler, error) {
	switch a.cfg.ArchiveDriver {
	case "none":
		return nil, nil, nil
	case "s3":
		s, err := blobstore.NewS3(ctx, a.cfg.S3)
		if err != nil {
			return nil, nil, fmt.Errorf("ARCHIVE_DRIVER=s3: %w", err)
		}
		return s, nil, nil
	}
	secret, err := a.archiveSecret()
	if err != nil {
		return nil, nil, err
	}
	local, err := blobstore.NewLocal(a.cfg.ArchiveDir, secret, a.cfg.PublicURL+httpapi.ArchivesPath)
	if err != nil {
		return nil, nil, fmt.Errorf("ARCHIVE_DIR %s: %w", a.cfg.ArchiveDir, err)
	}
	return local, local, nil
}

// archiveSecret is ARCHIVE_URL_SECRET, or else a secret made once and kept beside the archives,
// so that links stay valid across restarts of a single machine. Several servers sharing a
// folder share the file too; servers with separate folders need ARCHIVE_URL_SECRET.
func (a *app) archiveSecret() ([]byte, error) {
	if a.cfg.ArchiveURLSecret != "" {
		return []byte(a.cfg.ArchiveURLSecret), nil
	}
	if err := os.MkdirAll(a.cfg.ArchiveDir, 0o750); err != nil {
		return nil, err
	}
	// "~" cannot appear in a key, so the store never serves this file.
	path := filepath.Join(a.cfg.ArchiveDir, "url-secret~")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 64 {
		return b, nil
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	secret := []byte(hex.EncodeToString(raw))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return os.ReadFile(path) // another server made it first
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Write(secret); err != nil {
		return nil, err
	}
	return secret, f.Sync()
}

func (a *app) newBackground() (*background.Worker, error) {
	submit, err := a.submitHandler()
	if err != nil {
		return nil, err
	}
	return background.New(background.Deps{Pool: a.pool, Store: a.store, Directory: a.directory, Archives: a.archives,
		Webhooks: a.webhooks, Submit: submit, PublicURL: a.cfg.PublicURL, Logger: a.logger,
		AutoSubmitInterval: a.cfg.AutoSubmitInterval})
}

func (a *app) submitHandler() (*commands.SubmitInterviewHandler, error) {
	q := projections.QuestionsReader{DB: a.pool}
	return commands.NewSubmitInterviewHandler(a.directory, q, q, projections.FilesReader{DB: a.pool}, a.testExec, time.Now)
}

// parseFlags reads "--name value" and "--name=value" arguments of the CLI tools.
func parseFlags(args []string, names ...string) (map[string]string, []string, error) {
	values, rest := map[string]string{}, []string{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		known := strings.HasPrefix(arg, "-")
		if known {
			found := false
			for _, n := range names {
				found = found || n == name
			}
			if !found {
				return nil, nil, fmt.Errorf("unknown flag %s", arg)
			}
			if !hasValue {
				if i+1 >= len(args) {
					return nil, nil, fmt.Errorf("flag %s needs a value", arg)
				}
				i++
				value = args[i]
			}
			values[name] = value
			continue
		}
		rest = append(rest, arg)
	}
	return values, rest, nil
}
