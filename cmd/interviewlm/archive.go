package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/schollz/progressbar/v3"

	"github.com/interviewlm/interviewlm/commands"
)

// archiveAll archives every submitted interview the store does not hold yet (an archive that
// covers every event is left alone), with a progress bar.
func (a *app) archiveAll(ctx context.Context, stdout, stderr io.Writer) error {
	if a.archives == nil {
		return errors.New("ARCHIVE_DRIVER=none: there is nowhere to archive to")
	}
	// Locked: the background job may be archiving the same interview.
	archive, err := commands.NewArchiveSessionHandler(a.store, a.store, a.archives, a.store.Lock, time.Now)
	if err != nil {
		return err
	}
	ids, err := a.directory.SubmittedInterviews(ctx)
	if err != nil {
		return err
	}
	bar := progressbar.NewOptions(len(ids), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("archive"),
		progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())
	start := time.Now()
	var raw, compressed int64
	failed := 0
	for _, id := range ids {
		rec, err := archive.Handle(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed++
			a.logger.Warn("archive failed", "interview", id, "err", err)
		}
		raw, compressed = raw+rec.SizeBytes, compressed+rec.CompressedBytes
		_ = bar.Add(1)
	}
	_ = bar.Finish()
	ratio := 0.0
	if compressed > 0 {
		ratio = float64(raw) / float64(compressed)
	}
	fmt.Fprintf(stdout, "archived %d interviews (%d failed) in %s to %s: %d bytes of JSON in %d compressed (%.1fx)\n",
		len(ids)-failed, failed, time.Since(start).Round(time.Millisecond), a.archives.Name(), raw, compressed, ratio)
	if failed > 0 {
		return fmt.Errorf("%d interviews could not be archived; see the log", failed)
	}
	return nil
}

// importArchive loads an archive file into an organization of this deployment.
func (a *app) importArchive(ctx context.Context, args []string, stdout io.Writer) error {
	flags, files, err := parseFlags(args, "org")
	if err != nil {
		return err
	}
	org, err := uuid.Parse(flags["org"])
	if err != nil || len(files) != 1 {
		return errors.New("usage: interviewlm import --org <organization id> <archive.json.gz>")
	}
	owner, err := a.directory.FirstOwner(ctx, org)
	if err != nil {
		return fmt.Errorf("organization %s: %w", org, err)
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	archive, err := commands.ReadArchive(f)
	if err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}
	imp, err := commands.NewImportSessionHandler(a.directory)
	if err != nil {
		return err
	}
	interview, err := imp.Handle(ctx, commands.ImportSession{Archive: archive, Org: org, ImportedBy: owner})
	if err != nil {
		return err
	}
	state := "in progress"
	if interview.SubmittedAt != nil {
		state = "submitted " + interview.SubmittedAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(stdout, "imported interview %s (%d events, %s) into organization %s\n", interview.ID, len(archive.Events), state, org)
	return nil
}
