package sandbox

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLocalBwrapArgsForARun(t *testing.T) {
	plan := bwrapPlan{
		uid: 65534, gid: 65534,
		system:         []bwrapMount{{"--ro-bind", "/usr", "/usr"}, {"--symlink", "usr/bin", "/bin"}},
		etc:            []bwrapFile{{path: "/etc/passwd", fd: 6}},
		mounts:         []Mount{{Source: "/var/cache/interviewlm/gocache", Target: "/opt/gocache"}},
		tmpBytes:       1 << 20,
		workspaceBytes: 2 << 20,
		files:          []bwrapFile{{path: "main.py", fd: 7}, {path: "pkg/run.sh", fd: 8, executable: true}},
		env:            map[string]string{"PATH": "/usr/bin", "HOME": "/tmp"},
		init:           "/usr/bin/tini",
		seccompFD:      3, infoFD: 4, blockFD: 5,
		argv: []string{"python3", "main.py"},
	}
	want := strings.Fields(`--unshare-all --unshare-user --disable-userns --uid 65534 --gid 65534
		--cap-drop ALL --die-with-parent --new-session --as-pid-1 --hostname sandbox
		--ro-bind /usr /usr --symlink usr/bin /bin --perms 0644 --ro-bind-data 6 /etc/passwd
		--proc /proc --dev /dev --perms 1777 --size 1048576 --tmpfs /dev/shm --remount-ro /dev
		--perms 1777 --size 1048576 --tmpfs /tmp
		--ro-bind /var/cache/interviewlm/gocache /opt/gocache
		--perms 0755 --size 2097152 --tmpfs /workspace
		--perms 0644 --file 7 /workspace/main.py
		--dir /workspace/pkg --perms 0755 --file 8 /workspace/pkg/run.sh
		--remount-ro / --chdir /workspace --clearenv --setenv HOME /tmp --setenv PATH /usr/bin
		--seccomp 3 --info-fd 4 --block-fd 5 -- /usr/bin/tini -- python3 main.py`)
	if got := plan.args(); !slices.Equal(got, want) {
		t.Fatalf("argv:\n got %q\nwant %q", got, want)
	}
}

func TestLocalBwrapArgsForAWorkspace(t *testing.T) {
	plan := bwrapPlan{uid: 1000, gid: 1001, workspaceDir: "/srv/ws/abc", tmpBytes: 4096,
		env: baseEnv, init: "/usr/bin/tini", seccompFD: 3, infoFD: 4, blockFD: 5, argv: []string{"-n", "x"}}
	got := strings.Join(plan.args(), " ")
	for _, want := range []string{
		"--uid 1000 --gid 1001",
		"--bind /srv/ws/abc /workspace --remount-ro / --chdir /workspace --clearenv",
		"--setenv HOME /tmp --setenv LANG C.UTF-8 --setenv PATH /usr/local/bin:/usr/bin:/bin --setenv TMPDIR /tmp",
		// "--" keeps an argv that starts with a dash from being read as an option.
		"--block-fd 5 -- /usr/bin/tini -- -n x",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("argv lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "--tmpfs /workspace") {
		t.Errorf("a workspace run also mounts a tmpfs workspace:\n%s", got)
	}
}

func TestLocalSystemMountsFollowTheHost(t *testing.T) {
	ms := systemMounts("/usr/local/bin/interviewlm")
	has := func(m bwrapMount) bool { return slices.Contains(ms, m) }
	if !has(bwrapMount{"--ro-bind", "/usr", "/usr"}) {
		t.Errorf("/usr is not bound read-only: %v", ms)
	}
	if target, err := os.Readlink("/bin"); err == nil && !has(bwrapMount{"--symlink", target, "/bin"}) {
		t.Errorf("the host's /bin -> %s is not mirrored: %v", target, ms)
	}
	if !has(bwrapMount{"--ro-bind", "/dev/null", "/usr/local/bin/interviewlm"}) {
		t.Errorf("a server binary under /usr is not hidden: %v", ms)
	}
	for _, m := range ms {
		for _, secret := range []string{"/root", "/home", "/var", "/proc", "/sys", "/etc/shadow", "/srv", "/opt"} {
			if m.op == "--ro-bind" && (m.src == secret || strings.HasPrefix(m.src, secret+"/")) {
				t.Errorf("host path %s is visible in the sandbox", m.src)
			}
		}
		if m.op == "--ro-bind" && m.src == "/etc" {
			t.Errorf("the whole of /etc is bound")
		}
	}
	if slices.Contains(systemMounts("/work/main/bin/interviewlm"), bwrapMount{"--ro-bind", "/dev/null", "/work/main/bin/interviewlm"}) {
		t.Errorf("a server binary outside the bound paths is masked needlessly")
	}
}

func TestLocalFilePathValidation(t *testing.T) {
	for p, ok := range map[string]bool{
		"main.py": true, "pkg/util.py": true, "a/b/c.txt": true, ".hidden": true,
		"": false, "/etc/passwd": false, "../x": false, "..": false, ".": false, "a/../b": false,
		"a//b": false, "a/": false, "./a": false, "a\x00b": false,
	} {
		if err := validFilePath(p); (err == nil) != ok {
			t.Errorf("validFilePath(%q) = %v, want ok=%v", p, err, ok)
		}
	}
}

func TestLocalMountValidation(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		m  Mount
		ok bool
	}{
		{Mount{dir, "/opt/cache"}, true},
		{Mount{dir, "/tmp/cache"}, true},
		{Mount{"relative", "/opt/x"}, false},
		{Mount{dir, "opt/x"}, false},
		{Mount{dir, "/"}, false},
		{Mount{dir, "/proc/x"}, false},
		{Mount{dir, "/dev"}, false},
		{Mount{dir, "/workspace"}, false},
		{Mount{dir, "/workspace/cache"}, false},
		{Mount{dir, "/opt/../proc"}, false},
		{Mount{dir + "/missing", "/opt/x"}, false},
	} {
		if err := validMount(c.m); (err == nil) != c.ok {
			t.Errorf("validMount(%+v) = %v, want ok=%v", c.m, err, c.ok)
		}
	}
}

func TestLocalEnvironment(t *testing.T) {
	env, err := sandboxEnv(map[string]string{"GOCACHE": "/opt/gocache", "PATH": "/usr/local/go/bin:/usr/bin"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"PATH": "/usr/local/go/bin:/usr/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
		"TMPDIR": "/tmp", "GOCACHE": "/opt/gocache"}
	if len(env) != len(want) {
		t.Fatalf("env = %v, want %v", env, want)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env[%s] = %q, want %q", k, env[k], v)
		}
	}
	if baseEnv["PATH"] != "/usr/local/bin:/usr/bin:/bin" {
		t.Errorf("an Exec's PATH changed the base environment")
	}
	for _, bad := range []string{"", "A=B", "1X", "A B", "X\x00"} {
		if _, err := sandboxEnv(map[string]string{bad: "v"}); err == nil {
			t.Errorf("variable name %q accepted", bad)
		}
	}
	if _, err := sandboxEnv(map[string]string{"X": "a\x00b"}); err == nil {
		t.Errorf("a NUL in a value accepted")
	}
}

func TestLocalBwrapVersion(t *testing.T) {
	for out, ok := range map[string]bool{
		"bubblewrap 0.8.0\n": true, "bubblewrap 0.11.0": true, "bubblewrap 1.0": true,
		"bubblewrap 0.7.0": false, "bubblewrap 0.4.1": false, "": false,
	} {
		if bwrapVersionOK(out) != ok {
			t.Errorf("bwrapVersionOK(%q) = %v", out, !ok)
		}
	}
}

func TestLocalLimitDefaults(t *testing.T) {
	got, err := withDefaults(Limits{WallTime: time.Second, Processes: 8}, defaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := defaultLimits
	want.WallTime, want.Processes = time.Second, 8
	if got != want {
		t.Fatalf("withDefaults = %+v, want %+v", got, want)
	}
	if _, err := withDefaults(Limits{MemoryBytes: -1}, defaultLimits); err == nil {
		t.Fatal("a negative limit was accepted")
	}
	if defaultLimits != (Limits{WallTime: 10 * time.Second, CPUTime: 5 * time.Second, MemoryBytes: 256 << 20,
		Processes: 64, OutputBytes: 1 << 20, FileBytes: 64 << 20, OpenFiles: 256}) {
		t.Fatalf("defaults changed: %+v", defaultLimits)
	}
}

func TestLocalOutcomeOf(t *testing.T) {
	sec := time.Second
	for _, c := range []struct {
		code     int
		killed   Outcome
		oom      int64
		cpu      time.Duration
		want     Outcome
		wantSig  string
		describe string
	}{
		{0, "", 0, 0, OutcomeExited, "", "clean exit"},
		{3, "", -1, 0, OutcomeExited, "", "exit code"},
		{128 + 11, "", 0, 0, OutcomeSignaled, "SIGSEGV", "segfault"},
		{128 + 6, "", 0, 0, OutcomeSignaled, "SIGABRT", "abort"},
		{128 + 24, "", 0, sec, OutcomeTimeout, "SIGXCPU", "soft CPU limit"},
		{128 + 9, "", 0, 3 * sec, OutcomeTimeout, "SIGKILL", "hard CPU limit"},
		{128 + 9, "", 0, 0, OutcomeSignaled, "SIGKILL", "killed, not for CPU"},
		{128 + 9, "", 1, 0, OutcomeMemoryLimit, "SIGKILL", "OOM kill"},
		{0, "", 2, 0, OutcomeMemoryLimit, "", "a child OOM-killed, the program went on"},
		{-1, OutcomeTimeout, 0, 0, OutcomeTimeout, "", "wall clock"},
		{-1, OutcomeOutputLimit, 1, 0, OutcomeOutputLimit, "", "first cause wins"},
		{-1, "", 0, 0, OutcomeSandboxError, "", "bwrap killed from outside"},
	} {
		got, sig := outcomeOf(c.code, c.killed, c.oom, c.cpu, 2*sec)
		if got != c.want || sig != c.wantSig {
			t.Errorf("%s: outcomeOf = %s %q, want %s %q", c.describe, got, sig, c.want, c.wantSig)
		}
	}
}

func TestLocalUnavailableWithoutBubblewrap(t *testing.T) {
	_, err := NewLocal(LocalConfig{Bwrap: "/nonexistent/bwrap"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if os.Geteuid() == 0 && !strings.Contains(err.Error(), "apt-get install bubblewrap") {
		t.Fatalf("the message does not say what to install: %v", err)
	}
}
