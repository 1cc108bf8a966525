// Command interviewlm is the InterviewLM backend: the HTTP API, the projection workers and the
// tools that operate them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/schollz/progressbar/v3"

	"github.com/interviewlm/interviewlm/adapters/blobstore"
	"github.com/interviewlm/interviewlm/adapters/directory"
	"github.com/interviewlm/interviewlm/adapters/eventstore"
	"github.com/interviewlm/interviewlm/adapters/httpapi"
	"github.com/interviewlm/interviewlm/adapters/identity"
	"github.com/interviewlm/interviewlm/adapters/llm"
	"github.com/interviewlm/interviewlm/adapters/postgres"
	"github.com/interviewlm/interviewlm/adapters/problembank"
	"github.com/interviewlm/interviewlm/adapters/sandbox"
	"github.com/interviewlm/interviewlm/adapters/web"
	"github.com/interviewlm/interviewlm/adapters/webhook"
	"github.com/interviewlm/interviewlm/adapters/workspace"
	"github.com/interviewlm/interviewlm/commands"
	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/projections"
	"github.com/interviewlm/interviewlm/schema"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `usage: interviewlm <command> [arguments]

commands:
  serve              HTTP API and projection workers in one process
  worker             projection workers only
  migrate            apply the database migrations
  projections        each projection's version, checkpoint and lag
  rebuild [name...]  rebuild projections (all when none is named) from the start of the log
  archive            archive every submitted interview not archived yet (ARCHIVE_DRIVER)
  import --org <id> <file>
                     load a session archive (events.json.gz) into an organization
  version            print the version

Configuration is read from environment variables; README.md lists them with their defaults.
`

func main() {
	if os.Getenv("GOGC") == "" {
		// The service keeps little in memory; collecting half as often buys CPU for requests.
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "interviewlm:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	command, args := args[0], args[1:]
	if command == "version" {
		fmt.Fprintln(stdout, "interviewlm", version)
		return nil
	}
	known := map[string]bool{"serve": true, "worker": true, "migrate": true, "projections": true, "rebuild": true,
		"archive": true, "import": true}
	if !known[command] {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", command)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg)
	slog.SetDefault(logger)

	migrate := command == "migrate" || (cfg.MigrateOnStart && command != "projections")
	app, err := open(ctx, cfg, logger, migrate)
	if err != nil {
		return err
	}
	defer app.pool.Close()
	if cfg.DebugAddr != "" {
		go serveDebug(ctx, cfg.DebugAddr, logger)
	}

	switch command {
	case "serve":
		return app.serve(ctx, stdout)
	case "worker":
		return app.work(ctx)
	case "migrate":
		return nil // open applied them
	case "projections":
		return app.printProjections(ctx, stdout)
	case "archive":
		return app.archiveAll(ctx, stdout, stderr)
	case "import":
		return app.importArchive(ctx, args, stdout)
	default: // rebuild
		return app.rebuild(ctx, args, stderr)
	}
}

// app holds the wired service: every concrete adapter is chosen here and nowhere else.
type app struct {
	cfg       config
	logger    *slog.Logger
	pool      *pgxpool.Pool
	registry  *prometheus.Registry
	store     *eventstore.Store
	engine    *projections.Engine
	identity  *identity.Service
	directory *directory.Store
	terminal  *commands.Terminal
	testExec  commands.TestExecutor // nil without code execution
	// archives is nil with ARCHIVE_DRIVER=none; archiveFiles serves the local store's links.
	archives     blobstore.Store
	archiveFiles http.Handler
	webhooks     *webhook.Queue
}

func open(ctx context.Context, cfg config, logger *slog.Logger, migrate bool) (*app, error) {
	pool, err := postgres.Open(ctx, cfg.DatabaseURL, postgres.Options{MaxConns: cfg.DBMaxConns, AppName: "interviewlm"})
	var pgErr *pgconn.PgError
	if err != nil && errors.As(err, &pgErr) && pgErr.Code == "3D000" { // database does not exist
		logger.Info("creating the database named in DATABASE_URL")
		if err := postgres.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
			return nil, fmt.Errorf("create database: %w", err)
		}
		pool, err = postgres.Open(ctx, cfg.DatabaseURL, postgres.Options{MaxConns: cfg.DBMaxConns, AppName: "interviewlm"})
	}
	if err != nil {
		return nil, err
	}
	if migrate {
		applied, err := schema.Migrate(ctx, pool, nil)
		if err != nil {
			pool.Close()
			return nil, err
		}
		for _, m := range applied {
			logger.Info("migration applied", "file", m)
		}
	}

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	store, err := eventstore.New(pool, eventstore.Options{Upcaster: domain.DefaultUpcasters().Upcast, Registerer: registry})
	if err != nil {
		pool.Close()
		return nil, err
	}
	engine, err := projections.NewEngine(pool, store, projections.All(), projections.Options{
		BatchSize: cfg.ProjectionBatchSize,
		Logger:    logger,
		Metrics:   projections.NewMetrics(registry),
	})
	if err != nil {
		pool.Close()
		return nil, err
	}
	registry.MustRegister(engine.LagCollector())

	oauth := map[string]identity.OAuthProvider{}
	for name, p := range cfg.OAuth {
		if p.ClientID == "" {
			continue
		}
		oauth[name] = identity.OAuthProvider{
			ClientID: p.ClientID, ClientSecret: p.ClientSecret, AuthURL: p.AuthURL, TokenURL: p.TokenURL,
			UserInfoURL: p.UserInfoURL, RedirectURL: cfg.AppBaseURL + "/api/auth/oauth/" + name + "/callback",
		}
	}
	hashParams := identity.DefaultHashParams
	if cfg.PasswordHashMemoryKiB > 0 {
		hashParams.Memory = uint32(cfg.PasswordHashMemoryKiB)
	}
	if cfg.PasswordHashTime > 0 {
		hashParams.Time = uint32(cfg.PasswordHashTime)
	}
	ids, err := identity.New(pool, identity.Config{SessionTTL: cfg.SessionTTL, HashParams: hashParams, OAuth: oauth, Logger: logger})
	if err != nil {
		pool.Close()
		return nil, err
	}
	dir, err := directory.New(pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	a := &app{cfg: cfg, logger: logger, pool: pool, registry: registry, store: store, engine: engine, identity: ids, directory: dir}
	if a.archives, a.archiveFiles, err = a.openArchives(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	a.webhooks = webhook.NewQueue(pool, webhook.NewSender(webhook.SenderOptions{AllowPrivate: cfg.WebhookAllowPrivate}),
		webhook.Options{Logger: logger})
	return a, nil
}

// mountAPI wires the commands and registers the API routes on srv.
func (a *app) mountAPI(bg context.Context, srv *httpapi.Server) error {
	now := time.Now
	issue := func(prefix string) commands.TokenIssuer {
		return func() (string, []byte) { return identity.NewToken(prefix) }
	}
	start, err := commands.NewStartInterviewHandler(a.directory, issue(identity.CandidateTokenPrefix), identity.HashToken, now)
	if err != nil {
		return err
	}
	invite, err := commands.NewInviteCandidateHandler(a.directory, issue(identity.InviteTokenPrefix), a.cfg.InviteTTL, now)
	if err != nil {
		return err
	}
	decide, err := commands.NewDecideCandidateHandler(a.directory, a.store, now)
	if err != nil {
		return err
	}
	files := projections.FilesReader{DB: a.pool}
	record, err := commands.NewRecordEventsHandler(a.store, files)
	if err != nil {
		return err
	}
	deps := httpapi.AppDeps{
		Identity: a.identity, Directory: a.directory, Events: a.store, ReadModels: a.pool,
		StartInterview: start, InviteCandidate: invite, DecideCandidate: decide, RecordEvents: record, Files: files,
		OrgProblems: a.directory,
		AppBaseURL:  a.cfg.AppBaseURL, InviteTTL: a.cfg.InviteTTL, Now: now,
		WaitFor: a.engine.WaitFor, Webhooks: a.webhooks,
		Archives: a.archives, ArchiveFiles: a.archiveFiles,
	}
	if deps.Web, err = web.New(); err != nil {
		return err
	}
	if err := a.mountSandbox(bg, &deps, record, files, now); err != nil {
		return err
	}
	if deps.Submit, err = a.submitHandler(); err != nil {
		return err
	}
	problems, err := problembank.Load()
	if err != nil {
		return fmt.Errorf("problem bank: %w", err)
	}
	var generator commands.QuestionGenerator
	llmConfig := llm.Config{BaseURL: a.cfg.LLMBaseURL, APIKey: a.cfg.LLMAPIKey, Model: a.cfg.LLMModel, Timeout: a.cfg.LLMTimeout}
	if llm.Configured(llmConfig) {
		client, err := llm.New(llmConfig)
		if err != nil {
			return fmt.Errorf("LLM_*: %w", err)
		}
		if a.testExec != nil {
			// Generated questions are served only once verified in the sandbox.
			if generator, err = commands.NewGenerator(llm.JSONCompleter(client), a.testExec); err != nil {
				return err
			}
		}
		if deps.Chat, err = commands.NewChatHandler(llm.Streamer(client), projections.ConversationReader{DB: a.pool},
			projections.QuestionsReader{DB: a.pool}, a.store, now); err != nil {
			return err
		}
		deps.Chat.Prices = a.cfg.LLMPrices
		a.logger.Info("AI assistant on", "model", a.cfg.LLMModel, "base_url", a.cfg.LLMBaseURL)
	} else {
		a.logger.Info("AI assistant off (set LLM_BASE_URL and LLM_API_KEY): chat answers 503, questions come from the bank")
	}
	bank := problembank.NewBank(problems)
	deps.Problems.Bank = bank
	if exec := a.testExec; exec != nil {
		deps.Problems.Verify = func(ctx context.Context, p problembank.Problem) error { return problembank.Verify(ctx, exec, p) }
	}
	catalog := problembank.Catalog{Bank: bank, Organization: problembank.StoredProblems(a.directory.Problem)}
	if deps.NextQuestion, err = commands.NewNextQuestionHandler(catalog, generator,
		projections.QuestionsReader{DB: a.pool}, a.store, now); err != nil {
		return err
	}
	return srv.MountAPI(deps)
}

// openSandbox opens the runner SANDBOX_DRIVER names (nil for none) and sets the test
// executor; owner is the local sandbox's user, who owns the workspaces (-1 otherwise).
func (a *app) openSandbox() (runner sandbox.Runner, owner int, err error) {
	owner = -1
	switch a.cfg.SandboxDriver {
	case "none":
		a.logger.Warn("SANDBOX_DRIVER=none: code execution, the terminal and the workspace are off")
		return nil, owner, nil
	case "judge0":
		j, err := sandbox.NewJudge0(sandbox.Judge0Config{BaseURL: a.cfg.Judge0URL, AuthToken: a.cfg.Judge0Token})
		if err != nil {
			return nil, owner, fmt.Errorf("SANDBOX_DRIVER=judge0: %w", err)
		}
		runner = j
	default:
		local, err := sandbox.NewLocal(sandbox.LocalConfig{})
		if err != nil {
			return nil, owner, fmt.Errorf("SANDBOX_DRIVER=local: %w (run .ci/ensure-sandbox, or set SANDBOX_DRIVER=judge0 or none)", err)
		}
		runner, owner = local, local.UID()
	}
	a.testExec = sandbox.TestExecutor(runner, sandbox.Toolchain{GoCache: a.cfg.SandboxGoCache})
	return runner, owner, nil
}

// mountSandbox wires code execution: the runner SANDBOX_DRIVER names, tests, and (with the
// local driver) the workspaces and the terminal.
func (a *app) mountSandbox(bg context.Context, deps *httpapi.AppDeps, record *commands.RecordEventsHandler, files projections.FilesReader, now func() time.Time) error {
	runner, owner, err := a.openSandbox()
	if err != nil || runner == nil {
		return err
	}
	exec := a.testExec
	runTests, err := commands.NewRunTestsHandler(exec, projections.QuestionsReader{DB: a.pool}, record, files, now)
	if err != nil {
		return err
	}
	deps.RunTests, a.testExec = runTests, exec
	if a.cfg.SandboxDriver == "judge0" {
		a.logger.Info("SANDBOX_DRIVER=judge0: tests run on Judge0; the terminal and workspace need the local driver")
		return nil
	}
	if os.Geteuid() != 0 {
		owner = -1 // only root can give files away
	}
	dir, err := filepath.Abs(a.cfg.WorkspaceDir) // the sandbox binds it by absolute path
	if err != nil {
		return err
	}
	ws, err := workspace.New(dir, owner, owner)
	if err != nil {
		return err
	}
	// The sandbox's unprivileged user opens workspaces by path: find out now, not at the first
	// candidate's command, if WORKSPACE_DIR is out of its reach.
	probe, err := ws.Sync(uuid.Nil, domain.Files{})
	if err == nil {
		_, err = runner.RunIn(bg, probe, sandbox.Exec{Argv: []string{"/bin/true"}})
	}
	if err != nil {
		return fmt.Errorf("WORKSPACE_DIR %s: the sandbox cannot use it (every directory on its path must be "+
			"searchable by the sandbox user, e.g. chmod o+x): %w", a.cfg.WorkspaceDir, err)
	}
	terminal, err := commands.NewTerminal(bg, files, ws, sandbox.Shell(runner, sandbox.TerminalLimits), a.store, now)
	if err != nil {
		return err
	}
	deps.Terminal, deps.Workspaces = terminal, ws
	a.terminal = terminal
	return nil
}

func (a *app) serve(ctx context.Context, stdout io.Writer) error {
	if err := a.engine.CreateMissing(ctx); err != nil {
		return err
	}
	srv, err := httpapi.New(httpapi.Config{
		Addr:            a.cfg.HTTPAddr,
		BodyLimit:       a.cfg.HTTPBodyLimit,
		Version:         version,
		Logger:          a.logger,
		ShutdownTimeout: a.cfg.ShutdownTimeout,
		TrustProxy:      a.cfg.TrustProxy,
	}, httpapi.Deps{
		DB:          a.pool,
		Projections: projectionStatus{a.engine},
		Metrics:     a.registry,
		Registerer:  a.registry,
	})
	if err != nil {
		return err
	}
	commandsCtx, stopCommands := context.WithCancel(context.WithoutCancel(ctx))
	defer stopCommands()
	if err := a.mountAPI(commandsCtx, srv); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.HTTPAddr, err)
	}
	fmt.Fprintf(stdout, "InterviewLM %s: API at %s (health: %s/api/health, pages: %s/app)\n", version, baseURL(ln.Addr()),
		baseURL(ln.Addr()), baseURL(ln.Addr()))

	workers := make(chan error, 1)
	workerCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	if a.cfg.ServeProjections {
		bg, err := a.newBackground()
		if err != nil {
			stopWorkers()
			return err
		}
		go a.maintain(workerCtx)
		go bg.Run(workerCtx)
		go func() { workers <- a.engine.Run(workerCtx) }()
	} else {
		close(workers)
	}
	err = srv.Serve(ctx, ln)
	// In-flight requests have finished (or timed out); stop terminal commands still running,
	// then the workers, which roll back any unfinished batch and release their leadership locks.
	stopCommands()
	if a.terminal != nil {
		a.terminal.Wait()
	}
	stopWorkers()
	if werr := <-workers; werr != nil {
		err = errors.Join(err, werr)
	}
	a.logger.Info("stopped")
	return err
}

func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || ip.IsLoopback() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func (a *app) work(ctx context.Context) error {
	if _, _, err := a.openSandbox(); err != nil {
		return err // the final test runs of interviews submitted when their time is up need it
	}
	bg, err := a.newBackground()
	if err != nil {
		return err
	}
	a.logger.Info("projection workers started", "projections", len(a.engine.Projections()))
	go a.maintain(ctx)
	go bg.Run(ctx)
	err = a.engine.Run(ctx)
	a.logger.Info("projection workers stopped")
	return err
}

// maintain deletes expired sessions, sign-in states and rate-limit windows every hour. Any
// number of workers may run it: the deletes are idempotent.
func (a *app) maintain(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := a.identity.Cleanup(ctx); err != nil && ctx.Err() == nil {
			a.logger.Warn("identity cleanup failed", "err", err)
		} else if n > 0 {
			a.logger.Info("identity cleanup", "rows_deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// projectionStatus adapts the engine to the health endpoint.
type projectionStatus struct{ engine *projections.Engine }

func (p projectionStatus) ProjectionStatus(ctx context.Context) ([]httpapi.ProjectionStatus, error) {
	statuses, err := p.engine.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]httpapi.ProjectionStatus, len(statuses))
	for i, s := range statuses {
		out[i] = httpapi.ProjectionStatus{Name: s.Name, Checkpoint: s.Checkpoint.Position, Lag: s.Lag}
	}
	return out, nil
}

func (a *app) printProjections(ctx context.Context, stdout io.Writer) error {
	statuses, err := a.engine.Status(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tVERSION\tCHECKPOINT\tAPPLIED\tLAG\tUPDATED\tSTATE")
	for _, s := range statuses {
		state := "ok"
		switch {
		case s.Version == 0:
			state = "not started"
		case s.Version != s.CodeVersion:
			state = fmt.Sprintf("stale (code is v%d): rebuilds on next worker start", s.CodeVersion)
		case s.Rebuilding:
			state = "rebuilding"
		}
		updated := "-"
		if !s.UpdatedAt.IsZero() {
			updated = s.UpdatedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\tv%d\t%d\t%d\t%d\t%s\t%s\n", s.Name, s.Version, s.Checkpoint.Position, s.EventsApplied, s.Lag, updated, state)
	}
	return w.Flush()
}

func (a *app) rebuild(ctx context.Context, names []string, stderr io.Writer) error {
	if len(names) == 0 {
		for _, p := range a.engine.Projections() {
			names = append(names, p.Name())
		}
	}
	// All together: the log is read once for every projection named.
	var bar *progressbar.ProgressBar
	start := time.Now()
	applied := map[string]int64{}
	err := a.engine.RebuildAll(ctx, names, func(p projections.Progress) {
		if bar == nil {
			bar = progressbar.NewOptions64(max(p.Head, 1),
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("rebuild "+strings.Join(names, ", ")),
				progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
		}
		_ = bar.Set64(min(p.Position, p.Head))
		applied[p.Projection] = p.Applied
		if p.Done {
			_ = bar.Finish()
		}
	})
	if err != nil {
		return fmt.Errorf("rebuild %s: %w", strings.Join(names, ", "), err)
	}
	took := time.Since(start)
	events := applied[names[0]]
	fmt.Fprintf(stderr, "rebuilt %s: %d events in %s (%.0f events/s)\n", strings.Join(names, ", "), events,
		took.Round(time.Millisecond), float64(events)/max(took.Seconds(), 1e-9))
	return nil
}

// serveDebug serves pprof on a separate listener, so profiles never share the API's port.
func serveDebug(ctx context.Context, addr string, logger *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	logger.Info("debug server (pprof) listening", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("debug server stopped", "err", err)
	}
}
