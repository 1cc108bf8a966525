package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// LocalConfig configures the local driver. Zero values take the defaults.
type LocalConfig struct {
	// Bwrap is the bubblewrap binary; "" looks "bwrap" up in PATH.
	Bwrap string
	// Defaults stand in for the limits an Exec leaves at zero; a zero field here takes the
	// driver's own default (wall 10 s, CPU 5 s, memory 256 MiB, 64 processes, output 1 MiB
	// per stream, files 64 MiB, 256 open files).
	Defaults Limits
	// UID and GID run the sandbox, on the host and inside; 0 means 65534 (nobody).
	UID, GID int
	// CgroupParent names the cgroup, under each hierarchy's root, that holds one cgroup per
	// run; "" means "interviewlm".
	CgroupParent string
	// CPUs caps the CPU a run may use at once, in cores (cgroup CPU quota); 0 means 1, a
	// negative value sets no cap. Each run is its own group for the scheduler either way.
	CPUs float64
	// TmpBytes sizes the sandbox's /tmp and /dev/shm, each a tmpfs; 0 means 64 MiB.
	TmpBytes int64
	// WorkspaceBytes sizes the tmpfs that holds a Run's working directory; 0 means 64 MiB.
	WorkspaceBytes int64
}

// defaultLimits are the local driver's limits for what neither an Exec nor LocalConfig sets.
var defaultLimits = Limits{
	WallTime:    10 * time.Second,
	CPUTime:     5 * time.Second,
	MemoryBytes: 256 << 20,
	Processes:   64,
	OutputBytes: 1 << 20,
	FileBytes:   64 << 20,
	OpenFiles:   256,
}

const (
	nobodyID          = 65534
	defaultTmpfsBytes = 64 << 20
	// minBwrapMajor.minBwrapMinor is the first bubblewrap with --disable-userns and with
	// --size for --tmpfs.
	minBwrapMajor, minBwrapMinor = 0, 8
	// maxRunFiles bounds a Run's files: each is a descriptor bwrap holds while it sets up,
	// under the open-files limit of the program it starts. A larger tree belongs in RunIn.
	maxRunFiles = 128
	// minFreeFiles is what bwrap and tini open beyond the descriptors handed to them.
	minFreeFiles = 16
)

// Local runs programs on this machine in bubblewrap: every namespace unshared (no network, its
// own PIDs, mounts, IPC and hostname), an unprivileged uid with no capabilities, a read-only
// system, size-capped tmpfs /tmp, a seccomp deny list, rlimits, and a cgroup per run for
// memory, processes and CPU. It is safe for concurrent use.
type Local struct {
	bwrap    string
	prlimit  string
	tini     string
	uid, gid int
	defaults Limits
	cpus     float64
	tmpBytes int64
	wsBytes  int64
	cgroups  *cgroups
	seccomp  []byte
	system   []bwrapMount
	etc      map[string][]byte // /etc path to content
}

var _ Runner = (*Local)(nil)

// NewLocal checks that this machine can sandbox (root, bubblewrap 0.8 or newer, util-linux
// prlimit, tini, cgroups with memory and pids limits, user namespaces) and returns the driver.
// When it cannot, the error wraps ErrUnavailable and says what to install or mount: the driver
// never runs code without its sandbox.
func NewLocal(cfg LocalConfig) (*Local, error) {
	l := &Local{uid: cfg.UID, gid: cfg.GID, cpus: cfg.CPUs, tmpBytes: cfg.TmpBytes, wsBytes: cfg.WorkspaceBytes}
	if l.uid == 0 {
		l.uid = nobodyID
	}
	if l.gid == 0 {
		l.gid = nobodyID
	}
	if l.uid < 0 || l.gid < 0 {
		return nil, fmt.Errorf("sandbox: invalid sandbox uid/gid %d/%d", l.uid, l.gid)
	}
	if l.cpus == 0 {
		l.cpus = 1
	} else if l.cpus < 0 {
		l.cpus = 0
	}
	if l.tmpBytes <= 0 {
		l.tmpBytes = defaultTmpfsBytes
	}
	if l.wsBytes <= 0 {
		l.wsBytes = defaultTmpfsBytes
	}
	defaults, err := withDefaults(cfg.Defaults, defaultLimits)
	if err != nil {
		return nil, err
	}
	l.defaults = defaults

	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: the local sandbox must run as root: it creates a cgroup per run "+
			"and starts bubblewrap as uid %d", ErrUnavailable, l.uid)
	}
	if l.bwrap, err = findBwrap(cfg.Bwrap); err != nil {
		return nil, err
	}
	if l.prlimit, err = exec.LookPath("prlimit"); err != nil {
		return nil, fmt.Errorf("%w: prlimit is not installed (%v): run `apt-get install util-linux` "+
			"or .ci/ensure-sandbox", ErrUnavailable, err)
	}
	if l.tini, err = exec.LookPath("tini"); err != nil {
		return nil, fmt.Errorf("%w: tini is not installed (%v): run `apt-get install tini` or "+
			".ci/ensure-sandbox", ErrUnavailable, err)
	}
	if l.seccomp, err = seccompProgram(); err != nil {
		return nil, err
	}
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read /proc/self/mountinfo: %v", ErrUnavailable, err)
	}
	parent := cfg.CgroupParent
	if parent == "" {
		parent = "interviewlm"
	}
	if l.cgroups, err = openCgroups(findCgroupMounts(mountinfo), parent); err != nil {
		return nil, err
	}
	l.etc = sandboxEtc(l.uid, l.gid)
	exe, _ := os.Executable()
	l.system = systemMounts(exe)

	// A real run proves the rest: user namespaces allowed, mounts and seccomp accepted.
	res, err := l.Run(context.Background(), nil, Exec{Argv: []string{"/bin/true"}})
	if err == nil && (res.Outcome != OutcomeExited || res.ExitCode != 0) {
		err = fmt.Errorf("%s (exit %d): %s", res.Outcome, res.ExitCode, bytes.TrimSpace(res.Stderr))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: bubblewrap cannot start a sandbox here (user namespaces must be "+
			"allowed: sysctl user.max_user_namespaces > 0, and kernel.unprivileged_userns_clone=1 "+
			"where it exists): %v", ErrUnavailable, err)
	}
	return l, nil
}

// findBwrap locates bubblewrap and checks its version.
func findBwrap(bin string) (string, error) {
	if bin == "" {
		bin = "bwrap"
	}
	p, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%w: bubblewrap is not installed (%v): run `apt-get install bubblewrap` "+
			"(Debian, Ubuntu) or .ci/ensure-sandbox", ErrUnavailable, err)
	}
	out, err := exec.Command(p, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s --version: %v", ErrUnavailable, p, err)
	}
	if !bwrapVersionOK(string(out)) {
		return "", fmt.Errorf("%w: bubblewrap %d.%d or newer is needed, %s is %q: upgrade the "+
			"bubblewrap package", ErrUnavailable, minBwrapMajor, minBwrapMinor, p, strings.TrimSpace(string(out)))
	}
	return p, nil
}

var bwrapVersion = regexp.MustCompile(`(\d+)\.(\d+)`)

// bwrapVersionOK reads "bubblewrap 0.8.0".
func bwrapVersionOK(out string) bool {
	m := bwrapVersion.FindStringSubmatch(out)
	if m == nil {
		return false
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return major > minBwrapMajor || (major == minBwrapMajor && minor >= minBwrapMinor)
}

// Name is "local".
func (l *Local) Name() string { return "local" }

// UID is the uid the sandbox runs as, on the host too: a RunIn workspace must be owned by it.
func (l *Local) UID() int { return l.uid }

// Run runs exec in a fresh working directory holding files. The directory is a size-capped
// tmpfs inside the sandbox, filled by bwrap from memory: it takes no host disk, a program
// cannot fill the host's disk through it, and it disappears with the sandbox.
func (l *Local) Run(ctx context.Context, files []File, ex Exec) (Result, error) {
	plan := bwrapPlan{workspaceBytes: l.wsBytes}
	var fds []*os.File
	defer func() {
		for _, f := range fds {
			_ = f.Close()
		}
	}()
	if len(files) > maxRunFiles {
		return Result{}, fmt.Errorf("sandbox: %d files, at most %d for Run: use a workspace (RunIn)", len(files), maxRunFiles)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if err := validFilePath(f.Path); err != nil {
			return Result{}, err
		}
		if seen[f.Path] {
			return Result{}, fmt.Errorf("sandbox: file %q given twice", f.Path)
		}
		seen[f.Path] = true
		mf, err := memFile(f.Path, f.Content)
		if err != nil {
			return Result{}, err
		}
		fds = append(fds, mf)
		plan.files = append(plan.files, bwrapFile{path: f.Path, executable: f.Executable})
	}
	return l.execute(ctx, plan, fds, ex)
}

// RunIn runs exec in an existing workspace directory, bound read-write at /workspace. The
// directory must be owned by the sandbox's uid (UID) for the program to write there, and
// reachable by it, since bubblewrap runs as that uid.
func (l *Local) RunIn(ctx context.Context, workspace string, ex Exec) (Result, error) {
	if !filepath.IsAbs(workspace) {
		return Result{}, fmt.Errorf("sandbox: workspace %q is not an absolute path", workspace)
	}
	fi, err := os.Lstat(workspace)
	if err != nil {
		return Result{}, fmt.Errorf("sandbox: workspace: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok {
		return Result{}, fmt.Errorf("sandbox: workspace %s is not a directory", workspace)
	}
	if int(st.Uid) != l.uid {
		return Result{}, fmt.Errorf("sandbox: workspace %s is owned by uid %d, not the sandbox's uid %d",
			workspace, st.Uid, l.uid)
	}
	return l.execute(ctx, bwrapPlan{workspaceDir: filepath.Clean(workspace)}, nil, ex)
}

// withDefaults fills the zero limits of l from d.
func withDefaults(l, d Limits) (Limits, error) {
	if l.WallTime < 0 || l.CPUTime < 0 || l.MemoryBytes < 0 || l.Processes < 0 || l.OutputBytes < 0 ||
		l.FileBytes < 0 || l.OpenFiles < 0 {
		return Limits{}, fmt.Errorf("sandbox: negative limit in %+v", l)
	}
	return l.or(d), nil
}

// Descriptor numbers in bwrap's process: ExtraFiles start at 3; the /etc files, then the
// workspace files, follow these.
const (
	fdSeccomp = 3 + iota
	fdInfo
	fdBlock
	fdFirstFile
)

// execute runs one sandbox. The order is what makes it sound:
//
//  1. prlimit, started as the sandbox uid, lowers its own rlimits and execs bwrap, which
//     inherits them, with --info-fd and --block-fd. bwrap creates the sandbox process (the
//     future PID 1, tini) in new namespaces, reports that process's host PID on the info pipe,
//     sets up the mounts, and then waits on the block pipe before it loads seccomp and execs
//     tini, which starts the program: nothing of the candidate's has run yet.
//  2. The server writes that PID into the run's cgroup (memory, pids, CPU). Every process the
//     sandbox will ever start is its descendant and is born in the cgroup.
//  3. Only then does one byte on the block pipe let it go on.
//
// A failure in 2 kills the sandbox before it was released, so no child can escape the limits.
func (l *Local) execute(ctx context.Context, plan bwrapPlan, files []*os.File, ex Exec) (Result, error) {
	if len(ex.Argv) == 0 || ex.Argv[0] == "" {
		return Result{}, errors.New("sandbox: empty Argv")
	}
	lim, err := withDefaults(ex.Limits, l.defaults)
	if err != nil {
		return Result{}, err
	}
	if plan.env, err = sandboxEnv(ex.Env); err != nil {
		return Result{}, err
	}
	for _, m := range ex.Mounts {
		if err := validMount(m); err != nil {
			return Result{}, err
		}
	}
	plan.uid, plan.gid, plan.system, plan.tmpBytes, plan.mounts = l.uid, l.gid, l.system, l.tmpBytes, ex.Mounts
	plan.argv, plan.init = ex.Argv, l.tini
	plan.seccompFD, plan.infoFD, plan.blockFD = fdSeccomp, fdInfo, fdBlock
	fd := fdFirstFile
	etcFiles := make([]*os.File, 0, len(l.etc))
	defer func() {
		for _, f := range etcFiles {
			_ = f.Close()
		}
	}()
	for _, p := range slices.Sorted(maps.Keys(l.etc)) {
		f, err := memFile(p, l.etc[p])
		if err != nil {
			return Result{}, err
		}
		etcFiles = append(etcFiles, f)
		plan.etc = append(plan.etc, bwrapFile{path: p, fd: fd})
		fd++
	}
	for i := range plan.files {
		plan.files[i].fd = fd
		fd++
	}
	files = append(etcFiles, files...)
	// The rlimit binds bwrap as well, while it holds every descriptor above.
	if need := fd + minFreeFiles; lim.OpenFiles < need {
		return Result{}, fmt.Errorf("sandbox: OpenFiles %d is too low for %d files: at least %d", lim.OpenFiles, len(plan.files), need)
	}

	cg, err := l.cgroups.create(cgroupLimits{memoryBytes: lim.MemoryBytes, processes: lim.Processes, cpus: l.cpus})
	if err != nil {
		return Result{}, err
	}
	res, err := l.sandbox(ctx, plan, files, ex.Stdin, lim, cg, ex.OnOutput)
	if rerr := cg.remove(); rerr != nil && err == nil {
		err = rerr
	}
	return res, err
}

// sandbox starts bwrap, places it, releases it and waits for it; see execute.
func (l *Local) sandbox(ctx context.Context, plan bwrapPlan, files []*os.File, stdin []byte, lim Limits, cg *runCgroup,
	onOutput func(stderr bool, chunk []byte)) (Result, error) {
	var closers []*os.File
	closeAll := func() {
		for _, f := range closers {
			_ = f.Close()
		}
		closers = nil
	}
	defer closeAll()
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err == nil {
			closers = append(closers, r, w)
		}
		return r, w, err
	}
	infoR, infoW, err := pipe()
	if err != nil {
		return Result{}, fmt.Errorf("sandbox: %w", err)
	}
	blockR, blockW, err := pipe()
	if err != nil {
		return Result{}, fmt.Errorf("sandbox: %w", err)
	}
	outR, outW, err := pipe()
	if err != nil {
		return Result{}, fmt.Errorf("sandbox: %w", err)
	}
	errR, errW, err := pipe()
	if err != nil {
		return Result{}, fmt.Errorf("sandbox: %w", err)
	}
	inR, inW, err := pipe()
	if err != nil {
		return Result{}, fmt.Errorf("sandbox: %w", err)
	}
	// The program's ends of its standard streams belong to its uid, as a terminal's or a
	// shell's pipes would: created by the server they are root's, mode 0600, and reopening
	// /dev/stdout or /dev/stderr (echo oops >/dev/stderr) would be refused.
	for _, f := range []*os.File{inR, outW, errW} {
		if err := unix.Fchown(int(f.Fd()), l.uid, l.gid); err != nil {
			return Result{}, fmt.Errorf("sandbox: chown pipe: %w", err)
		}
	}
	filter, err := memFile("seccomp", l.seccomp)
	if err != nil {
		return Result{}, err
	}
	closers = append(closers, filter)

	args := append([]string{"prlimit"}, prlimitArgs(rlimitsFor(lim))...)
	args = append(append(args, l.bwrap), plan.args()...)
	cmd := &exec.Cmd{
		Path:       l.prlimit,
		Args:       args,
		Env:        []string{}, // not nil, which would hand bwrap the server's environment too
		Dir:        "/",
		Stdin:      inR,
		Stdout:     outW,
		Stderr:     errW,
		ExtraFiles: append([]*os.File{filter, infoW, blockR}, files...),
		SysProcAttr: &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: uint32(l.uid), Gid: uint32(l.gid), Groups: []uint32{}},
			// Its own process group, so a signal meant for the server's group does not reach
			// it; and if the server dies, bwrap dies, and the sandbox with it (--die-with-parent).
			Setpgid:   true,
			Pdeathsig: syscall.SIGKILL,
		},
	}

	k := &killer{}
	stdout := newCapture(lim.OutputBytes, func() { k.kill(OutcomeOutputLimit) })
	stderr := newCapture(lim.OutputBytes, func() { k.kill(OutcomeOutputLimit) })
	if onOutput != nil {
		stdout.onChunk = func(b []byte) { onOutput(false, b) }
		stderr.onChunk = func(b []byte) { onOutput(true, b) }
	}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("sandbox: start bwrap: %w", err)
	}
	k.setBwrap(cmd.Process)
	// The parent's copies of the child's ends: kept open, they would hold the pipes open after
	// the sandbox is gone.
	for _, f := range []*os.File{inR, outW, errW, infoW, blockR, filter} {
		_ = f.Close()
	}
	go stdout.drain(outR)
	go stderr.drain(errR)
	// stdin is written while the program runs (it may be larger than a pipe holds); a program
	// that exits without reading it all makes the write fail with EPIPE, which ends this.
	stdinDone := make(chan struct{})
	go func() {
		defer close(stdinDone)
		_, _ = inW.Write(stdin)
		_ = inW.Close()
	}()
	wall := time.AfterFunc(lim.WallTime, func() { k.kill(OutcomeTimeout) })
	defer wall.Stop()
	stopCtx := context.AfterFunc(ctx, func() { k.cancel() })
	defer stopCtx()

	placeErr := place(infoR, cg, k)
	if placeErr != nil {
		k.kill(OutcomeSandboxError)
	} else if _, err := blockW.Write([]byte{1}); err != nil {
		placeErr = fmt.Errorf("sandbox: release bwrap: %w", err)
		k.kill(OutcomeSandboxError)
	}

	waitErr := cmd.Wait()
	dur := time.Since(start)
	wall.Stop()
	k.release()
	// Every process of the sandbox is gone once its init is, so the pipes are at EOF or about
	// to be; the deadline only guards against a descriptor leaked out of the sandbox.
	_ = outR.SetReadDeadline(time.Now().Add(time.Second))
	_ = errR.SetReadDeadline(time.Now().Add(time.Second))
	_ = inW.SetWriteDeadline(time.Now().Add(time.Second))
	<-stdout.done
	<-stderr.done
	<-stdinDone
	// The byte still in the block pipe (TIOCINQ is FIONREAD) means bwrap died setting up,
	// before it released the program: bwrap's failure, not the program's exit code.
	setupFailed := false
	if n, err := unix.IoctlGetInt(int(blockW.Fd()), unix.TIOCINQ); err == nil && n > 0 {
		setupFailed = true
	}
	st := cg.stats()

	res := Result{
		Stdout:          stdout.buf,
		Stderr:          stderr.buf,
		Truncated:       stdout.over || stderr.over,
		Duration:        dur,
		PeakMemoryBytes: max(st.peakBytes, 0),
	}
	res.CPUTime = st.cpu
	if st.cpu < 0 && cmd.ProcessState != nil {
		res.CPUTime = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	reason, canceled := k.outcome()
	switch {
	case canceled:
		res.Outcome = OutcomeSandboxError
		return res, ctx.Err()
	case placeErr != nil:
		// Usually bwrap died setting up, and the placement found no process: say why.
		res.Outcome = OutcomeSandboxError
		if msg := bytes.TrimSpace(res.Stderr); len(msg) > 0 {
			return res, fmt.Errorf("%w; bwrap: %s", placeErr, msg)
		}
		return res, placeErr
	case cmd.ProcessState == nil:
		res.Outcome = OutcomeSandboxError
		return res, fmt.Errorf("sandbox: wait for bwrap: %w", waitErr)
	case setupFailed && reason == "":
		res.Outcome = OutcomeSandboxError
		return res, fmt.Errorf("sandbox: bwrap failed to set up the sandbox: %s", bytes.TrimSpace(res.Stderr))
	}
	res.ExitCode = cmd.ProcessState.ExitCode()
	res.Outcome, res.Signal = outcomeOf(res.ExitCode, reason, st.oomKills, res.CPUTime, lim.CPUTime)
	if res.Outcome == OutcomeSandboxError {
		return res, fmt.Errorf("sandbox: bwrap ended abnormally: %v", waitErr)
	}
	return res, nil
}

// place reads the sandbox process's PID from bwrap's info pipe and puts that process in the
// run's cgroup, while bwrap holds it on the block pipe.
func place(info io.Reader, cg *runCgroup, k *killer) error {
	raw, err := io.ReadAll(info)
	if err != nil {
		return fmt.Errorf("sandbox: read bwrap's info: %w", err)
	}
	var msg struct {
		ChildPID int `json:"child-pid"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil || msg.ChildPID <= 0 {
		return errors.New("sandbox: bwrap did not start the sandbox")
	}
	// A pidfd-backed handle: the process cannot be reaped and its PID reused while it is
	// blocked, and a kill through the handle never reaches another process later.
	p, err := os.FindProcess(msg.ChildPID)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	k.setInit(p)
	return cg.addProc(msg.ChildPID)
}

// outcomeOf reads how the program ended. bwrap reports a program killed by signal n as exit
// code 128+n, as shells do, so a program that calls exit(139) reads as SIGSEGV; both are
// runtime errors to a verdict.
func outcomeOf(code int, killedFor Outcome, oomKills int64, cpu, cpuLimit time.Duration) (Outcome, string) {
	sig := syscall.Signal(0)
	if code > 128 && code <= 128+64 {
		sig = syscall.Signal(code - 128)
	}
	name := ""
	if sig != 0 {
		name = unix.SignalName(sig)
	}
	switch {
	case killedFor != "":
		return killedFor, name
	case oomKills > 0:
		return OutcomeMemoryLimit, name
	case sig == syscall.SIGXCPU, sig == syscall.SIGKILL && cpu >= cpuLimit*3/4:
		// The soft RLIMIT_CPU sends SIGXCPU; the hard one, a second later, SIGKILL. The margin
		// is for the cgroup's CPU clock, which reads a few percent below the rlimit's under load.
		return OutcomeTimeout, name
	case code < 0:
		return OutcomeSandboxError, ""
	case name != "":
		return OutcomeSignaled, name
	}
	return OutcomeExited, ""
}

// killer ends a sandbox once, remembering the first reason.
type killer struct {
	mu       sync.Mutex
	reason   Outcome
	canceled bool
	bwrap    *os.Process
	init     *os.Process
}

func (k *killer) setBwrap(p *os.Process) {
	k.mu.Lock()
	k.bwrap = p
	k.mu.Unlock()
}

// setInit records the sandbox's init, and kills it if the sandbox was to end before it was
// known.
func (k *killer) setInit(p *os.Process) {
	k.mu.Lock()
	k.init = p
	late := k.reason != ""
	k.mu.Unlock()
	if late {
		_ = p.Kill()
	}
}

// kill ends the sandbox: SIGKILL to its init ends its PID namespace, every process in it
// included (a setsid daemon too), and bwrap reaps the init and exits. Before the init is
// known, bwrap itself is killed, and takes the init with it (--die-with-parent).
func (k *killer) kill(reason Outcome) {
	k.mu.Lock()
	if k.reason == "" {
		k.reason = reason
	}
	initProc, bwrap := k.init, k.bwrap
	k.mu.Unlock()
	if initProc != nil {
		_ = initProc.Kill()
	} else if bwrap != nil {
		_ = bwrap.Kill()
	}
}

func (k *killer) cancel() {
	k.mu.Lock()
	k.canceled = true
	k.mu.Unlock()
	k.kill(OutcomeSandboxError)
}

func (k *killer) outcome() (Outcome, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.reason, k.canceled
}

// release drops the init's pidfd once the sandbox is over.
func (k *killer) release() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.init != nil {
		k.init.Release()
		k.init = nil
	}
	k.bwrap = nil
}

// capture keeps the first limit bytes of a stream and calls over once past them; it goes on
// reading, and dropping, until the stream ends, so that the writer never blocks.
type capture struct {
	limit   int
	buf     []byte
	over    bool
	onOver  func()
	onChunk func([]byte) // sees each piece kept, as it arrives (may be nil)
	done    chan struct{}
}

func newCapture(limit int, onOver func()) *capture {
	return &capture{limit: limit, onOver: onOver, done: make(chan struct{})}
}

func (c *capture) drain(r io.Reader) {
	defer close(c.done)
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		if n > 0 && !c.over {
			kept := n
			if room := c.limit - len(c.buf); n > room {
				kept, c.over = room, true
			}
			c.buf = append(c.buf, chunk[:kept]...)
			if c.onChunk != nil && kept > 0 {
				c.onChunk(chunk[:kept])
			}
			if c.over {
				c.onOver()
			}
		}
		if err != nil {
			return
		}
	}
}

// memFile is an anonymous in-memory file holding data, positioned at its start, for bwrap to
// read through an inherited descriptor.
func memFile(name string, data []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("sandbox: memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("sandbox: memfd: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("sandbox: memfd: %w", err)
	}
	return f, nil
}
