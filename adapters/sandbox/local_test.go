package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var sandboxHost struct {
	once sync.Once
	err  error
}

// requireSandboxHost makes sure this machine can run the local driver: it must be root, and
// bubblewrap, prlimit and tini are installed with .ci/ensure-sandbox when one is missing.
// Otherwise the test fails and says why: a skipped sandbox test would let an unsandboxed
// machine pass.
func requireSandboxHost(t testing.TB) {
	t.Helper()
	sandboxHost.once.Do(func() {
		if os.Geteuid() != 0 {
			sandboxHost.err = errors.New("the local sandbox tests must run as root (the driver creates cgroups and starts bubblewrap as uid 65534)")
			return
		}
		missing := false
		for _, tool := range []string{"bwrap", "prlimit", "tini"} {
			if _, err := exec.LookPath(tool); err != nil {
				missing = true
			}
		}
		if !missing {
			return
		}
		script, _ := filepath.Abs("../../.ci/ensure-sandbox")
		if out, err := exec.Command(script).CombinedOutput(); err != nil {
			sandboxHost.err = fmt.Errorf("the sandbox's tools are missing and %s failed: %v\n%s", script, err, out)
		}
	})
	if sandboxHost.err != nil {
		t.Fatal(sandboxHost.err)
	}
}

func bwrapForTest(t testing.TB) string {
	requireSandboxHost(t)
	p, err := exec.LookPath("bwrap")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var testLocal struct {
	once sync.Once
	l    *Local
	err  error
}

// localForTest is the driver all the package's tests share, as the server shares one.
func localForTest(t testing.TB) *Local {
	t.Helper()
	requireSandboxHost(t)
	testLocal.once.Do(func() { testLocal.l, testLocal.err = NewLocal(LocalConfig{}) })
	if testLocal.err != nil {
		t.Fatal(testLocal.err)
	}
	return testLocal.l
}

// runPython runs src as main.py with /usr/bin/python3 in a fresh sandbox.
func runPython(t *testing.T, src string, ex Exec) Result {
	t.Helper()
	ex.Argv = []string{"/usr/bin/python3", "main.py"}
	res, err := localForTest(t).Run(context.Background(), []File{{Path: "main.py", Content: []byte(src)}}, ex)
	if err != nil {
		t.Fatalf("Run: %v (stderr: %s)", err, res.Stderr)
	}
	return res
}

// wantOutcome fails unless the run ended as want.
func wantOutcome(t *testing.T, res Result, want Outcome) {
	t.Helper()
	if res.Outcome != want {
		t.Fatalf("outcome %s (exit %d %s), want %s\nstdout: %.2000s\nstderr: %.2000s",
			res.Outcome, res.ExitCode, res.Signal, want, res.Stdout, res.Stderr)
	}
}

// newWorkspace is a host directory owned by the sandbox's uid, under the world-searchable
// temporary directory (t.TempDir's parents are private to root, and bwrap runs as the uid).
func newWorkspace(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "interviewlm-ws-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chown(dir, nobodyID, nobodyID); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLocalPythonHelloWorld(t *testing.T) {
	t.Parallel()
	res := runPython(t, `print("hello, world")`, Exec{})
	wantOutcome(t, res, OutcomeExited)
	if res.ExitCode != 0 || string(res.Stdout) != "hello, world\n" || len(res.Stderr) != 0 {
		t.Fatalf("exit %d stdout %q stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	if res.Duration <= 0 || res.CPUTime <= 0 || res.PeakMemoryBytes <= 0 {
		t.Errorf("duration %v, CPU %v, peak %d: not measured", res.Duration, res.CPUTime, res.PeakMemoryBytes)
	}
}

func TestLocalStdinEchoed(t *testing.T) {
	t.Parallel()
	// Larger than a pipe's buffer, so that writing stdin and reading stdout must overlap.
	in := bytes.Repeat([]byte("line of input\n"), 20_000)
	res := runPython(t, "import sys\nsys.stdout.write(sys.stdin.read())", Exec{Stdin: in})
	wantOutcome(t, res, OutcomeExited)
	if !bytes.Equal(res.Stdout, in) {
		t.Fatalf("echoed %d bytes of %d", len(res.Stdout), len(in))
	}
}

// Shells and tools reopen their standard streams by name (echo oops >/dev/stderr).
func TestLocalReopensItsStandardStreams(t *testing.T) {
	t.Parallel()
	res, err := localForTest(t).Run(context.Background(), nil, Exec{
		Argv:  []string{"/bin/sh", "-c", "cat /dev/stdin > /dev/stdout; echo oops > /dev/stderr"},
		Stdin: []byte("piped in\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res, OutcomeExited)
	if string(res.Stdout) != "piped in\n" || string(res.Stderr) != "oops\n" {
		t.Fatalf("stdout %q stderr %q", res.Stdout, res.Stderr)
	}
}

func TestLocalUnicodeOutput(t *testing.T) {
	t.Parallel()
	res := runPython(t, "import sys\nprint('héllo, 世界 😀')\nprint('ошибка ✗', file=sys.stderr)", Exec{})
	wantOutcome(t, res, OutcomeExited)
	if string(res.Stdout) != "héllo, 世界 😀\n" || string(res.Stderr) != "ошибка ✗\n" {
		t.Fatalf("stdout %q stderr %q", res.Stdout, res.Stderr)
	}
}

func TestLocalExitCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		src     string
		outcome Outcome
		code    int
		signal  string
		stderr  string
	}{
		{"pass", OutcomeExited, 0, "", ""},
		{"import sys\nsys.exit(3)", OutcomeExited, 3, "", ""},
		{"raise ValueError('bad input')", OutcomeExited, 1, "", "ValueError: bad input"},
		{"import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", OutcomeSignaled, 139, "SIGSEGV", ""},
		{"import os\nos.abort()", OutcomeSignaled, 134, "SIGABRT", ""},
	} {
		res := runPython(t, c.src, Exec{})
		if res.Outcome != c.outcome || res.ExitCode != c.code || res.Signal != c.signal ||
			!strings.Contains(string(res.Stderr), c.stderr) {
			t.Errorf("%q: %s exit %d %q, want %s exit %d %q; stderr %s",
				c.src, res.Outcome, res.ExitCode, res.Signal, c.outcome, c.code, c.signal, res.Stderr)
		}
	}
}

func TestLocalFilesModesAndEnv(t *testing.T) {
	t.Parallel()
	files := []File{
		{Path: "run.sh", Content: []byte("#!/bin/sh\necho \"$GREETING $(cat data/in.txt)\"\nstat -c '%a %u' run.sh data/in.txt\n"), Executable: true},
		{Path: "data/in.txt", Content: []byte("from a file")},
	}
	res, err := localForTest(t).Run(context.Background(), files, Exec{Argv: []string{"./run.sh"}, Env: map[string]string{"GREETING": "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res, OutcomeExited)
	if want := "hi from a file\n755 65534\n644 65534\n"; string(res.Stdout) != want {
		t.Fatalf("stdout %q, want %q (stderr %s)", res.Stdout, want, res.Stderr)
	}
	many := make([]File, maxRunFiles+1)
	for i := range many {
		many[i].Path = fmt.Sprintf("f%d", i)
	}
	for _, bad := range [][]File{{{Path: "../x"}}, {{Path: "/etc/x"}}, {{Path: "a"}, {Path: "a"}}, many} {
		if _, err := localForTest(t).Run(context.Background(), bad, Exec{Argv: []string{"true"}}); err == nil {
			t.Errorf("files %v accepted", bad)
		}
	}
}

// The most files a Run takes, under the lowest open-files limit that admits them.
func TestLocalManyFilesLowOpenFiles(t *testing.T) {
	t.Parallel()
	files := make([]File, maxRunFiles)
	for i := range files {
		files[i] = File{Path: fmt.Sprintf("d%d/f%d.txt", i%7, i), Content: []byte{'x'}}
	}
	lim := Limits{OpenFiles: fdFirstFile + len(sandboxEtc(0, 0)) + maxRunFiles + minFreeFiles}
	res, err := localForTest(t).Run(context.Background(), files, Exec{Argv: []string{"/bin/sh", "-c", "cat d*/*.txt | wc -c"}, Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res, OutcomeExited)
	if strings.TrimSpace(string(res.Stdout)) != strconv.Itoa(maxRunFiles) {
		t.Fatalf("stdout %q stderr %s", res.Stdout, res.Stderr)
	}
	lim.OpenFiles--
	if _, err := localForTest(t).Run(context.Background(), files, Exec{Argv: []string{"true"}, Limits: lim}); err == nil {
		t.Fatal("an open-files limit too low for the files was accepted")
	}
	res, err = localForTest(t).Run(context.Background(), nil, Exec{Argv: []string{"/usr/bin/python3", "-c", "print('ok')"}, Limits: Limits{OpenFiles: 32}})
	if err != nil || string(res.Stdout) != "ok\n" {
		t.Fatalf("python under 32 open files: %v %q %s", err, res.Stdout, res.Stderr)
	}
}

func TestLocalSandboxView(t *testing.T) {
	t.Parallel()
	res := runPython(t, `
import json, os, socket
status = dict(l.split(":\t", 1) for l in open("/proc/self/status").read().splitlines() if ":\t" in l)
print(json.dumps({
    "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
    "capeff": status["CapEff"].strip(), "capbnd": status["CapBnd"].strip(),
    "nonewprivs": status["NoNewPrivs"].strip(), "seccomp": status["Seccomp"].strip(),
    "hostname": socket.gethostname(), "cwd": os.getcwd(),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "env": dict(os.environ), "passwd": open("/etc/passwd").read(), "hosts": open("/etc/hosts").read(),
}))`, Exec{})
	wantOutcome(t, res, OutcomeExited)
	var v struct {
		UID, GID                     int
		Groups                       []int
		CapEff, CapBnd               string
		NoNewPrivs, Seccomp          string
		Hostname, Cwd, Passwd, Hosts string
		Pids                         []int
		Env                          map[string]string
	}
	if err := json.Unmarshal(res.Stdout, &v); err != nil {
		t.Fatalf("%v: %s %s", err, res.Stdout, res.Stderr)
	}
	if v.UID != nobodyID || v.GID != nobodyID || v.CapEff != "0000000000000000" || v.CapBnd != "0000000000000000" {
		t.Errorf("uid %d gid %d caps %s/%s: want the unprivileged uid with no capability", v.UID, v.GID, v.CapEff, v.CapBnd)
	}
	if v.NoNewPrivs != "1" || v.Seccomp != "2" {
		t.Errorf("no_new_privs %s, seccomp mode %s", v.NoNewPrivs, v.Seccomp)
	}
	if v.Hostname != "sandbox" || v.Cwd != "/workspace" {
		t.Errorf("hostname %q cwd %q", v.Hostname, v.Cwd)
	}
	// Its own PID namespace: bwrap's init and the program, nothing of the host.
	if !slices.Equal(v.Pids, []int{1, 2}) {
		t.Errorf("visible pids %v", v.Pids)
	}
	for k := range v.Env {
		if !slices.Contains([]string{"PATH", "HOME", "LANG", "TMPDIR", "PWD"}, k) {
			t.Errorf("unexpected variable %s=%s", k, v.Env[k])
		}
	}
	if want := "root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:65534:65534:sandbox:/tmp:/bin/sh\n"; v.Passwd != want {
		t.Errorf("/etc/passwd is not the sandbox's own:\n%s", v.Passwd)
	}
	if want := "127.0.0.1 localhost\n::1 localhost\n"; v.Hosts != want {
		t.Errorf("/etc/hosts:\n%s", v.Hosts)
	}
}

func TestLocalRunInWorkspace(t *testing.T) {
	t.Parallel()
	l := localForTest(t)
	ws := newWorkspace(t)
	if err := os.WriteFile(filepath.Join(ws, "notes.txt"), []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(ws, "notes.txt"), nobodyID, nobodyID); err != nil {
		t.Fatal(err)
	}
	res, err := l.RunIn(context.Background(), ws, Exec{Argv: []string{"/bin/sh", "-c", "echo two >> notes.txt && mkdir -p out && echo made > out/new.txt && pwd"}})
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res, OutcomeExited)
	if b, _ := os.ReadFile(filepath.Join(ws, "notes.txt")); string(b) != "one\ntwo\n" || string(res.Stdout) != "/workspace\n" {
		t.Fatalf("notes.txt %q, stdout %q, stderr %s", b, res.Stdout, res.Stderr)
	}
	fi, err := os.Stat(filepath.Join(ws, "out", "new.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != nobodyID {
		t.Errorf("a file the sandbox made is owned by uid %d on the host", st.Uid)
	}
	root, err := os.MkdirTemp("", "interviewlm-ws-root-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(root)
	if _, err := l.RunIn(context.Background(), root, Exec{Argv: []string{"true"}}); err == nil || !strings.Contains(err.Error(), "owned by uid 0") {
		t.Errorf("a root-owned workspace: %v", err)
	}
	if _, err := l.RunIn(context.Background(), "relative/dir", Exec{Argv: []string{"true"}}); err == nil {
		t.Errorf("a relative workspace was accepted")
	}
}

func TestLocalNodeAndGoRun(t *testing.T) {
	t.Parallel()
	l := localForTest(t)
	res, err := l.Run(context.Background(), []File{{Path: "main.js", Content: []byte(`console.log([1, 2, 3].map(x => x * 2).join(","))`)}},
		Exec{Argv: []string{"/usr/bin/node", "main.js"}})
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res, OutcomeExited)
	if string(res.Stdout) != "2,4,6\n" {
		t.Fatalf("node: %q %s", res.Stdout, res.Stderr)
	}
	if _, err := os.Stat("/usr/local/go/bin/go"); err == nil {
		res, err := l.Run(context.Background(), nil, Exec{Argv: []string{"/usr/local/go/bin/go", "version"}})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, res, OutcomeExited)
		if !strings.HasPrefix(string(res.Stdout), "go version go") {
			t.Fatalf("go version: %q %s", res.Stdout, res.Stderr)
		}
	}
}

func TestLocalReadOnlyMounts(t *testing.T) {
	t.Parallel()
	src, err := os.MkdirTemp("", "interviewlm-mount-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(src)
	if err := os.Chmod(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "cache.txt"), []byte("cached"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runPython(t, `
print(open("/opt/cache/cache.txt").read())
try:
    open("/opt/cache/new", "w")
except OSError as e:
    print(e.strerror)`, Exec{Mounts: []Mount{{Source: src, Target: "/opt/cache"}}})
	wantOutcome(t, res, OutcomeExited)
	if string(res.Stdout) != "cached\nRead-only file system\n" {
		t.Fatalf("stdout %q stderr %s", res.Stdout, res.Stderr)
	}
}

// A mount bwrap cannot make (bwrap runs as the sandbox's uid, which may not enter a directory
// private to root) fails the sandbox, not the program: an error and sandbox_error, never an
// exit code.
func TestLocalSetupFailureIsASandboxError(t *testing.T) {
	t.Parallel()
	private := t.TempDir() // 0700, root's
	inner := filepath.Join(private, "inner")
	if err := os.Mkdir(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := localForTest(t).Run(context.Background(), nil, Exec{Argv: []string{"true"}, Mounts: []Mount{{Source: inner, Target: "/opt/inner"}}})
	if err == nil || res.Outcome != OutcomeSandboxError || !strings.Contains(err.Error(), "Permission denied") {
		t.Fatalf("outcome %s, err %v", res.Outcome, err)
	}
}

func TestLocalContextCancelEndsTheRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := localForTest(t).Run(ctx, nil, Exec{Argv: []string{"/bin/sleep", "30"}})
	if !errors.Is(err, context.DeadlineExceeded) || res.Outcome != OutcomeSandboxError {
		t.Fatalf("outcome %s, err %v", res.Outcome, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancelled run took %v", d)
	}
}

// Hostile programs. Each must end with a verdict, within its limits, and leave the host as it
// was.

func TestLocalHostileInfiniteLoop(t *testing.T) {
	t.Parallel()
	res := runPython(t, "while True:\n    pass", Exec{Limits: Limits{CPUTime: time.Second, WallTime: 10 * time.Second}})
	wantOutcome(t, res, OutcomeTimeout)
	// The kernel's CPU clock for the rlimit and the cgroup's differ by a few percent under load.
	if res.Signal != "SIGXCPU" || res.CPUTime < 800*time.Millisecond || res.Duration > 6*time.Second {
		t.Errorf("signal %s, CPU %v, wall %v: want the CPU limit to end it", res.Signal, res.CPUTime, res.Duration)
	}
}

func TestLocalHostileLoopIgnoringSIGXCPU(t *testing.T) {
	t.Parallel()
	res := runPython(t, "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass",
		Exec{Limits: Limits{CPUTime: time.Second, WallTime: 10 * time.Second}})
	wantOutcome(t, res, OutcomeTimeout)
	if res.Signal != "SIGKILL" || res.CPUTime < 1600*time.Millisecond {
		t.Errorf("signal %s, CPU %v: want the hard CPU limit to end it", res.Signal, res.CPUTime)
	}
}

func TestLocalHostileSleepPastTheWallClock(t *testing.T) {
	t.Parallel()
	res := runPython(t, "import time\ntime.sleep(60)", Exec{Limits: Limits{WallTime: time.Second}})
	wantOutcome(t, res, OutcomeTimeout)
	if res.Duration < time.Second || res.Duration > 4*time.Second {
		t.Errorf("wall %v", res.Duration)
	}
}

func TestLocalHostileForkBomb(t *testing.T) {
	t.Parallel()
	l := localForTest(t)
	parent := l.cgroups.unified
	if l.cgroups.version == 1 {
		parent = l.cgroups.pids
	}
	// Watch every run's process count while the bomb goes off.
	var peak atomic.Int64
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			dirs, _ := filepath.Glob(filepath.Join(parent, "run-*"))
			for _, d := range dirs {
				cur := parseInt(readCgroupFile(filepath.Join(d, "pids.current")))
				if max := parseInt(readCgroupFile(filepath.Join(d, "pids.max"))); max > 0 && cur > max {
					t.Errorf("%s holds %d processes, limit %d", d, cur, max)
				}
				for old := peak.Load(); cur > old && !peak.CompareAndSwap(old, cur); old = peak.Load() {
				}
			}
		}
	}()
	res := runPython(t, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
		Exec{Limits: Limits{WallTime: 3 * time.Second}})
	close(stop)
	<-watched
	wantOutcome(t, res, OutcomeTimeout)
	if peak.Load() < 50 {
		t.Errorf("the bomb peaked at %d processes: it never reached the limit of 64", peak.Load())
	}
	if err := exec.Command("/bin/true").Run(); err != nil {
		t.Fatalf("the host cannot start a process after the bomb: %v", err)
	}
	if dirs, _ := filepath.Glob(filepath.Join(parent, fmt.Sprintf("run-%d-*", os.Getpid()))); len(dirs) > 8 {
		t.Errorf("run cgroups piling up: %v", dirs)
	}
}

func TestLocalHostileEightGiBAllocation(t *testing.T) {
	t.Parallel()
	res := runPython(t, `
chunks = []
for i in range(128):                       # 128 x 64 MiB = 8 GiB, every page written
    chunks.append(bytearray(64 << 20))
print("allocated 8 GiB")`, Exec{})
	wantOutcome(t, res, OutcomeMemoryLimit)
	if res.PeakMemoryBytes < 200<<20 || res.PeakMemoryBytes > 300<<20 {
		t.Errorf("peak %d MiB, want about the 256 MiB limit", res.PeakMemoryBytes>>20)
	}
	if bytes.Contains(res.Stdout, []byte("allocated")) {
		t.Errorf("the allocation succeeded")
	}
}

func TestLocalHostileOutputFlood(t *testing.T) {
	t.Parallel()
	for _, stream := range []string{"stdout", "stderr"} {
		res := runPython(t, "import sys\nwhile True:\n    sys."+stream+".write('x' * 65536)",
			Exec{Limits: Limits{OutputBytes: 100_000, WallTime: 10 * time.Second}})
		wantOutcome(t, res, OutcomeOutputLimit)
		got := res.Stdout
		if stream == "stderr" {
			got = res.Stderr
		}
		if !res.Truncated || len(got) != 100_000 || res.Duration > 5*time.Second {
			t.Errorf("%s: truncated %v, kept %d bytes, took %v", stream, res.Truncated, len(got), res.Duration)
		}
	}
}

func TestLocalHostileWritesOutsideTheWorkspace(t *testing.T) {
	t.Parallel()
	res := runPython(t, `
import errno
def attempt(p):
    try:
        with open(p, "w") as f:
            f.write("x")
        return "wrote"
    except OSError as e:
        return errno.errorcode[e.errno]
for p in ["/usr/interviewlm-escape", "/usr/bin/python3", "/etc/interviewlm-escape", "/interviewlm-escape",
          "/bin/interviewlm-escape", "/lib/interviewlm-escape", "/proc/sys/kernel/hostname",
          "/proc/sysrq-trigger", "/dev/interviewlm-escape", "/workspace/ok", "/tmp/ok", "/dev/shm/ok"]:
    print(p, attempt(p))`, Exec{})
	wantOutcome(t, res, OutcomeExited)
	for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		p, verdict, _ := strings.Cut(line, " ")
		allowed := p == "/workspace/ok" || p == "/tmp/ok" || p == "/dev/shm/ok"
		if (verdict == "wrote") != allowed {
			t.Errorf("%s: %s", p, verdict)
		}
	}
	for _, p := range []string{"/usr/interviewlm-escape", "/interviewlm-escape", "/usr/bin/interviewlm-escape"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists on the host", p)
		}
	}
}

func TestLocalHostileReadsTheServersEnvironment(t *testing.T) {
	// Not parallel: t.Setenv changes the whole test process, the server here.
	t.Setenv("INTERVIEWLM_TEST_SECRET", "s3cr3t-value")
	t.Setenv("NODE_EXTRA_CA_CERTS", "/etc/ssl/private/ca.pem")
	res := runPython(t, `
import glob, os
print(sorted(os.environ))
seen = "s3cr3t-value" in repr(dict(os.environ))
for p in glob.glob("/proc/*/environ"):
    try:
        seen = seen or b"s3cr3t-value" in open(p, "rb").read()
    except OSError:
        pass
print("leaked" if seen else "clean")`, Exec{})
	wantOutcome(t, res, OutcomeExited)
	if want := "['HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']\nclean\n"; string(res.Stdout) != want {
		t.Fatalf("inside: %q, want %q", res.Stdout, want)
	}
}

func TestLocalHostileReadsTheServersFiles(t *testing.T) {
	t.Parallel()
	exe, _ := os.Executable()
	wd, _ := os.Getwd()
	paths := []string{"/root", "/home", "/var", "/srv", "/opt", "/sys", "/run", "/etc/shadow", "/etc/ssh",
		"/etc/hostname", "/etc/environment", "/tmp/interviewlm-host-marker", exe, wd}
	if err := os.WriteFile("/tmp/interviewlm-host-marker", []byte("host"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove("/tmp/interviewlm-host-marker")
	list, _ := json.Marshal(paths)
	res := runPython(t, fmt.Sprintf(`
import json, os
for p in json.loads(%q):
    print(p, os.path.exists(p))`, list), Exec{})
	wantOutcome(t, res, OutcomeExited)
	for _, line := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		if !strings.HasSuffix(line, " False") {
			t.Errorf("visible in the sandbox: %s", line)
		}
	}
}

func TestLocalHostileConnectsToTheServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	res := runPython(t, fmt.Sprintf(`
import errno, socket
for host in ("127.0.0.1", "localhost"):
    try:
        socket.create_connection((host, %d), timeout=2)
        print(host, "connected")
    except OSError as e:
        print(host, errno.errorcode.get(e.errno, str(e)))`, port), Exec{})
	wantOutcome(t, res, OutcomeExited)
	if strings.Contains(string(res.Stdout), "connected") || accepted.Load() != 0 {
		t.Fatalf("reached the host's loopback: %s", res.Stdout)
	}
	if !strings.Contains(string(res.Stdout), "127.0.0.1 EAFNOSUPPORT") {
		t.Errorf("unexpected failure: %s %s", res.Stdout, res.Stderr)
	}
}

func TestLocalHostileMountAndUnshare(t *testing.T) {
	t.Parallel()
	res := runPython(t, `
import ctypes, errno, subprocess
libc = ctypes.CDLL(None, use_errno=True)
def result(r):
    return "ok" if r == 0 else errno.errorcode[ctypes.get_errno()]
print("mount", result(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)))
print("umount", result(libc.umount2(b"/proc", 2)))
print("unshare-user", result(libc.unshare(0x10000000)))
print("unshare-mount", result(libc.unshare(0x00020000)))
print("unshare-net", result(libc.unshare(0x40000000)))
print("chroot", result(libc.chroot(b"/tmp")))
print("ptrace", result(libc.ptrace(0, 0, None, None)))
for cmd in (["unshare", "-r", "true"], ["unshare", "-m", "true"], ["mount", "-t", "tmpfs", "none", "/tmp"]):
    print(cmd[0] + "-command", subprocess.run(cmd, capture_output=True).returncode)`, Exec{})
	wantOutcome(t, res, OutcomeExited)
	want := "mount EPERM\numount EPERM\nunshare-user EPERM\nunshare-mount EPERM\nunshare-net EPERM\n" +
		"chroot EPERM\nptrace EPERM\nunshare-command 1\nunshare-command 1\nmount-command 32\n"
	if string(res.Stdout) != want {
		t.Fatalf("inside:\n%s\nwant:\n%s\nstderr: %s", res.Stdout, want, res.Stderr)
	}
}

func TestLocalHostileSetsidDaemonDiesWithTheRun(t *testing.T) {
	t.Parallel()
	ws := newWorkspace(t)
	res, err := localForTest(t).RunIn(context.Background(), ws, Exec{Argv: []string{"/usr/bin/python3", "-c", `
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            with open("/workspace/marker", "a") as f:
                f.write("x")
            time.sleep(0.02)
    os._exit(0)
os.wait()
time.sleep(0.2)
print("left a daemon behind")`}})
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res, OutcomeExited)
	size := func() int64 {
		fi, err := os.Stat(filepath.Join(ws, "marker"))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	time.Sleep(300 * time.Millisecond)
	if after := size(); before == 0 || after != before {
		t.Fatalf("marker grew from %d to %d bytes after the run: the daemon survived", before, after)
	}
}

func TestLocalHostileOneGigabyteFile(t *testing.T) {
	t.Parallel()
	res := runPython(t, `
import errno, os
for path in ("/tmp/big", "/workspace/big", "/dev/shm/big"):
    mib = 0
    try:
        with open(path, "wb") as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):
                f.write(chunk)
                f.flush()
                mib += 1
        print(path, "wrote", mib)
    except OSError as e:
        print(path, errno.errorcode[e.errno], mib)
    os.remove(path)`, Exec{})
	wantOutcome(t, res, OutcomeExited)
	lines := strings.Split(strings.TrimSpace(string(res.Stdout)), "\n")
	if len(lines) != 3 {
		t.Fatalf("stdout %q stderr %s", res.Stdout, res.Stderr)
	}
	for _, line := range lines {
		f := strings.Fields(line)
		mib, _ := strconv.Atoi(f[2])
		if f[1] == "wrote" || (f[1] != "EFBIG" && f[1] != "ENOSPC") || mib > 64 {
			t.Errorf("%s: want EFBIG or ENOSPC by 64 MiB", line)
		}
	}
}

// orphanZombies counts the sandbox uid's zombies that nobody but the host's PID 1 could reap.
func orphanZombies(t *testing.T) int {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	n := 0
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces, so read after its last ')'.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		fi, err := os.Stat(filepath.Dir(p))
		if err != nil || len(f) < 2 || f[0] != "Z" || f[1] != "1" {
			continue
		}
		if fi.Sys().(*syscall.Stat_t).Uid == nobodyID {
			n++
		}
	}
	return n
}

func TestLocalLeavesNoZombie(t *testing.T) {
	// Not parallel: it counts what every run leaves on the host.
	before := orphanZombies(t)
	for _, src := range []string{"pass", "import os\nif os.fork() == 0:\n    os.setsid()\n    import time; time.sleep(30)"} {
		for range 3 {
			wantOutcome(t, runPython(t, src, Exec{}), OutcomeExited)
		}
	}
	wantOutcome(t, runPython(t, "import time\ntime.sleep(30)", Exec{Limits: Limits{WallTime: 200 * time.Millisecond}}), OutcomeTimeout)
	if after := orphanZombies(t); after > before {
		t.Fatalf("%d zombie processes of uid %d left under the host's init by 7 runs", after-before, nobodyID)
	}
}
