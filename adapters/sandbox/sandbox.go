// Package sandbox runs untrusted code: a candidate's program against test cases, and commands
// in an interview's workspace. Drivers implement Runner; SANDBOX_DRIVER chooses one (local:
// bubblewrap, cgroups, rlimits and seccomp on this machine; judge0: a Judge0-compatible
// cluster).
package sandbox

import (
	"context"
	"errors"
	"time"
)

// Limits bound one execution. Zero values take the driver's defaults.
type Limits struct {
	// WallTime is the wall-clock limit; the sandbox and everything in it is killed after it.
	WallTime time.Duration
	// CPUTime is the CPU-time limit (RLIMIT_CPU, soft; the hard limit is a little above).
	CPUTime time.Duration
	// MemoryBytes caps the memory of the whole sandbox (cgroup), not one process.
	MemoryBytes int64
	// Processes caps how many processes and threads the sandbox may hold at once (cgroup pids).
	Processes int
	// OutputBytes caps stdout and stderr each; more is cut and reported.
	OutputBytes int
	// FileBytes caps the size of any file written (RLIMIT_FSIZE).
	FileBytes int64
	// OpenFiles caps open file descriptors (RLIMIT_NOFILE).
	OpenFiles int
}

// File is a file placed in the sandbox's working directory before the run.
type File struct {
	// Path is relative to the working directory, with forward slashes.
	Path    string
	Content []byte
	// Executable sets the file's mode to 0755.
	Executable bool
}

// Exec is one program to run: Argv[0] is looked up in the sandbox's PATH.
type Exec struct {
	Argv  []string
	Stdin []byte
	// Env is added to the sandbox's minimal environment (PATH, HOME, LANG, TMPDIR).
	Env    map[string]string
	Limits Limits
	// OnOutput, when set, sees the output as it arrives (stderr false for stdout), up to
	// OutputBytes per stream, from the driver's goroutines; chunk is only valid during the
	// call. The Result still holds all of it. A terminal streams commands' output with it.
	OnOutput func(stderr bool, chunk []byte)
	// Mounts are host directories the program needs to read, such as the Go standard-library
	// build cache prepared by .ci/ensure-languages. A driver binds each read-only at Target
	// (the local driver: bwrap --ro-bind Source Target); a driver that cannot provide them
	// fails the run rather than running without them.
	Mounts []Mount
}

// Mount is a host directory made visible, read-only, inside the sandbox.
type Mount struct {
	// Source is the absolute host path.
	Source string
	// Target is the absolute path inside the sandbox, outside the working directory.
	Target string
}

// Outcome is how an execution ended.
type Outcome string

const (
	OutcomeExited       Outcome = "exited"        // the program ended by itself (any exit code)
	OutcomeSignaled     Outcome = "signaled"      // killed by a signal it caused (segfault, abort)
	OutcomeTimeout      Outcome = "timeout"       // wall time or CPU time ran out
	OutcomeMemoryLimit  Outcome = "memory_limit"  // the memory cgroup's OOM killer struck
	OutcomeOutputLimit  Outcome = "output_limit"  // stdout or stderr went past OutputBytes
	OutcomeSandboxError Outcome = "sandbox_error" // the sandbox itself failed: not the program's fault
)

// Result is what an execution did.
type Result struct {
	Outcome  Outcome
	ExitCode int
	Signal   string
	Stdout   []byte
	Stderr   []byte
	// Truncated is set when stdout or stderr was cut at OutputBytes.
	Truncated bool
	Duration  time.Duration
	CPUTime   time.Duration
	// PeakMemoryBytes is the cgroup's high-water mark, when the driver knows it.
	PeakMemoryBytes int64
}

// Runner executes programs in isolation. Each Run gets a fresh, private working directory
// holding files; nothing of one run is visible to another. RunIn runs a command in a
// persistent workspace directory (an interview's files), bound read-write at /workspace.
type Runner interface {
	Run(ctx context.Context, files []File, exec Exec) (Result, error)
	RunIn(ctx context.Context, workspace string, exec Exec) (Result, error)
	// Name names the driver, for logs and health.
	Name() string
}

// ErrUnavailable means a driver cannot run on this machine; its message says what to install.
var ErrUnavailable = errors.New("sandbox: driver unavailable")
