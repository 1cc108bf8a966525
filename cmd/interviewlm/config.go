package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/interviewlm/interviewlm/adapters/blobstore"
	"github.com/interviewlm/interviewlm/domain"
)

// config is everything the service reads from its environment. README.md lists each variable
// with its default; keep the two in step.
type config struct {
	DatabaseURL         string
	HTTPAddr            string
	LogLevel            slog.Level
	LogFormat           string
	DBMaxConns          int32
	HTTPBodyLimit       int64
	ShutdownTimeout     time.Duration
	MigrateOnStart      bool
	ServeProjections    bool
	ProjectionBatchSize int
	TrustProxy          bool
	// DebugAddr serves Go's pprof profiles when set (never expose it publicly).
	DebugAddr  string
	AppBaseURL string
	InviteTTL  time.Duration
	SessionTTL time.Duration
	// PasswordHashMemoryKiB and PasswordHashTime are argon2id's costs (0: the library default).
	PasswordHashMemoryKiB int
	PasswordHashTime      int
	OAuth                 map[string]oauthConfig
	// SandboxDriver runs candidates' code: local (bubblewrap on this machine), judge0 (a
	// Judge0-compatible cluster: tests only, no terminal) or none (no code execution).
	SandboxDriver  string
	WorkspaceDir   string
	Judge0URL      string
	Judge0Token    string
	SandboxGoCache string
	// LLM is the OpenAI-compatible endpoint of the AI assistant; without a base URL or a key,
	// AI is off.
	LLMBaseURL, LLMAPIKey, LLMModel string
	LLMTimeout                      time.Duration
	// LLMPrices price the AI's tokens per model (LLM_PRICES="model=in/out,..." in dollars per
	// million tokens); models it does not name cost $3/$15.
	LLMPrices domain.Prices
	// ArchiveDriver stores finished sessions: local (ArchiveDir), s3, or none.
	ArchiveDriver, ArchiveDir, ArchiveURLSecret string
	S3                                          blobstore.S3Config
	// PublicURL is where clients reach this API: the local archive's download links point there.
	PublicURL string
	// AutoSubmitInterval is how often interviews past their deadline are looked for.
	AutoSubmitInterval  time.Duration
	WebhookAllowPrivate bool
}

// oauthConfig is one sign-in provider's settings; a provider without a client id is off.
type oauthConfig struct {
	ClientID, ClientSecret, AuthURL, TokenURL, UserInfoURL string
}

const defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/interviewlm?sslmode=disable"

// loadConfig reads the environment. It reports every bad variable at once, by name.
func loadConfig(getenv func(string) string) (config, error) {
	env := envReader{getenv: getenv}
	c := config{
		DatabaseURL:           env.str("DATABASE_URL", defaultDatabaseURL),
		HTTPAddr:              env.str("HTTP_ADDR", ":8080"),
		LogLevel:              env.level("LOG_LEVEL", slog.LevelInfo),
		LogFormat:             env.oneOf("LOG_FORMAT", "text", "text", "json"),
		DBMaxConns:            int32(env.intIn("DB_MAX_CONNS", 20, 2, 1000)),
		HTTPBodyLimit:         env.bytes("HTTP_BODY_LIMIT", 4<<20),
		ShutdownTimeout:       env.duration("SHUTDOWN_TIMEOUT", 30*time.Second),
		MigrateOnStart:        env.boolean("MIGRATE_ON_START", true),
		ServeProjections:      env.boolean("SERVE_PROJECTIONS", true),
		ProjectionBatchSize:   env.intIn("PROJECTION_BATCH_SIZE", 2000, 1, 100_000),
		TrustProxy:            env.boolean("TRUST_PROXY", false),
		DebugAddr:             env.str("DEBUG_ADDR", ""),
		AppBaseURL:            strings.TrimRight(env.str("APP_BASE_URL", "http://localhost:8080"), "/"),
		InviteTTL:             env.duration("INVITE_TTL", 7*24*time.Hour),
		SessionTTL:            env.duration("SESSION_TTL", 30*24*time.Hour),
		PasswordHashMemoryKiB: env.intIn("PASSWORD_HASH_MEMORY_KIB", 0, 0, 4<<20),
		PasswordHashTime:      env.intIn("PASSWORD_HASH_TIME", 0, 0, 100),
		LLMBaseURL:            env.str("LLM_BASE_URL", ""),
		LLMAPIKey:             env.str("LLM_API_KEY", ""),
		LLMModel:              env.str("LLM_MODEL", "gpt-4o-mini"),
		LLMTimeout:            env.duration("LLM_TIMEOUT", 60*time.Second),
		SandboxDriver:         env.oneOf("SANDBOX_DRIVER", "local", "local", "judge0", "none"),
		WorkspaceDir:          env.str("WORKSPACE_DIR", "data/workspaces"),
		Judge0URL:             env.str("JUDGE0_URL", ""),
		Judge0Token:           env.str("JUDGE0_AUTH_TOKEN", ""),
		SandboxGoCache:        env.str("SANDBOX_GOCACHE", ""),
		LLMPrices:             env.prices("LLM_PRICES"),
		ArchiveDriver:         env.oneOf("ARCHIVE_DRIVER", "local", "local", "s3", "none"),
		ArchiveDir:            env.str("ARCHIVE_DIR", "data/archives"),
		ArchiveURLSecret:      env.str("ARCHIVE_URL_SECRET", ""),
		S3: blobstore.S3Config{
			Bucket: env.str("S3_BUCKET", "interviewlm-sessions"), Region: env.str("S3_REGION", "us-east-1"),
			Endpoint: env.str("S3_ENDPOINT", ""), UsePathStyle: env.boolean("S3_PATH_STYLE", false),
			AccessKeyID: env.str("S3_ACCESS_KEY_ID", ""), SecretAccessKey: env.str("S3_SECRET_ACCESS_KEY", ""),
		},
		AutoSubmitInterval:  env.duration("AUTO_SUBMIT_INTERVAL", 15*time.Second),
		WebhookAllowPrivate: env.boolean("WEBHOOK_ALLOW_PRIVATE", false),
		OAuth: map[string]oauthConfig{
			"github": {
				ClientID: env.str("GITHUB_CLIENT_ID", ""), ClientSecret: env.str("GITHUB_CLIENT_SECRET", ""),
				AuthURL: env.str("GITHUB_AUTH_URL", ""), TokenURL: env.str("GITHUB_TOKEN_URL", ""),
				UserInfoURL: env.str("GITHUB_API_URL", ""),
			},
			"google": {
				ClientID: env.str("GOOGLE_CLIENT_ID", ""), ClientSecret: env.str("GOOGLE_CLIENT_SECRET", ""),
				AuthURL: env.str("GOOGLE_AUTH_URL", ""), TokenURL: env.str("GOOGLE_TOKEN_URL", ""),
				UserInfoURL: env.str("GOOGLE_USERINFO_URL", ""),
			},
		},
	}
	c.PublicURL = strings.TrimRight(env.str("PUBLIC_URL", c.AppBaseURL), "/")
	if c.ArchiveURLSecret != "" && len(c.ArchiveURLSecret) < 32 {
		env.fail("ARCHIVE_URL_SECRET", "(hidden)", "at least 32 characters")
	}
	if len(env.problems) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(env.problems, "; "))
	}
	return c, nil
}

type envReader struct {
	getenv   func(string) string
	problems []string
}

func (e *envReader) str(name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

// prices reads "model=in/out,model=in/out" in dollars per million tokens.
func (e *envReader) prices(name string) domain.Prices {
	v := e.str(name, "")
	out := domain.Prices{}
	if v == "" {
		return out
	}
	for _, part := range strings.Split(v, ",") {
		model, price, ok := strings.Cut(strings.TrimSpace(part), "=")
		in, outPrice, ok2 := strings.Cut(price, "/")
		pi, err1 := strconv.ParseFloat(strings.TrimSpace(in), 64)
		po, err2 := strconv.ParseFloat(strings.TrimSpace(outPrice), 64)
		if !ok || !ok2 || err1 != nil || err2 != nil || model == "" || pi < 0 || po < 0 {
			e.fail(name, v, `"model=input/output,..." in dollars per million tokens, e.g. gpt-4o=2.5/10`)
			return domain.Prices{}
		}
		out[strings.TrimSpace(model)] = domain.ModelPrice{InputPerMillion: pi, OutputPerMillion: po}
	}
	return out
}

func (e *envReader) fail(name, value, want string) {
	e.problems = append(e.problems, fmt.Sprintf("%s=%q: want %s", name, value, want))
}

func (e *envReader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(e.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	e.fail(name, v, "one of "+strings.Join(allowed, ", "))
	return def
}

func (e *envReader) level(name string, def slog.Level) slog.Level {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		e.fail(name, v, "debug, info, warn or error")
		return def
	}
	return l
}

func (e *envReader) intIn(name string, def, lo, hi int) int {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		e.fail(name, v, fmt.Sprintf("an integer from %d to %d", lo, hi))
		return def
	}
	return n
}

func (e *envReader) boolean(name string, def bool) bool {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(name, v, "true or false")
		return def
	}
	return b
}

func (e *envReader) duration(name string, def time.Duration) time.Duration {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.fail(name, v, "a positive duration such as 30s")
		return def
	}
	return d
}

// bytes reads a size such as 4MiB, 512KiB, 2MB or 1048576.
func (e *envReader) bytes(name string, def int64) int64 {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	units := []struct {
		suffix string
		factor int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000_000}, {"GB", 1000_000_000}, {"B", 1}}
	number, factor := v, int64(1)
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(v), strings.ToUpper(u.suffix)) {
			number, factor = strings.TrimSpace(v[:len(v)-len(u.suffix)]), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(number, 10, 64)
	if err != nil || n <= 0 {
		e.fail(name, v, "a positive size such as 4MiB")
		return def
	}
	return n * factor
}

func newLogger(c config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
