package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// sandboxWorkdir is where a program's files are, inside the sandbox.
const sandboxWorkdir = "/workspace"

// baseEnv is the whole environment a sandboxed program starts with: bwrap --clearenv drops the
// server's, secrets and NODE_EXTRA_CA_CERTS included, and Exec.Env adds to this.
var baseEnv = map[string]string{
	"PATH":   "/usr/local/bin:/usr/bin:/bin",
	"HOME":   "/tmp",
	"LANG":   "C.UTF-8",
	"TMPDIR": "/tmp",
}

// hostSystemPaths are the host paths the sandbox sees, read-only: what python3, node, Go and a
// shell need to run, and nothing of /root, /home, /var, /srv, /opt or the host's /proc and /sys.
// /etc is not bound whole (it holds shadow, ssh keys, the host's configuration); the few files
// of it that programs read are, and passwd, group and hosts are the sandbox's own (sandboxEtc).
var hostSystemPaths = []string{
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	"/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime",
}

// sandboxEtc is the content of the sandbox's own /etc files, by absolute path, so that its user
// has a name and localhost resolves without reading the host's.
func sandboxEtc(uid, gid int) map[string][]byte {
	return map[string][]byte{
		"/etc/passwd": fmt.Appendf(nil, "root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:%d:%d:sandbox:/tmp:/bin/sh\n", uid, gid),
		"/etc/group":  fmt.Appendf(nil, "root:x:0:\nsandbox:x:%d:\n", gid),
		"/etc/hosts":  []byte("127.0.0.1 localhost\n::1 localhost\n"),
	}
}

// bwrapMount is one operation of the sandbox's fixed system view: a read-only bind or a
// symlink, decided once from the host by NewLocal.
type bwrapMount struct {
	op       string // --ro-bind or --symlink
	src, dst string
}

// systemMounts mirrors hostSystemPaths as the host has them: a merged-/usr host's /bin is a
// symlink to usr/bin and stays one, a missing path is left out. The server's own binary is
// hidden behind /dev/null when it lies under a bound directory.
func systemMounts(serverExe string) []bwrapMount {
	var ms []bwrapMount
	for _, p := range hostSystemPaths {
		if target, err := os.Readlink(p); err == nil {
			ms = append(ms, bwrapMount{"--symlink", target, p})
		} else if _, err := os.Stat(p); err == nil {
			ms = append(ms, bwrapMount{"--ro-bind", p, p})
		}
	}
	if serverExe != "" {
		for _, m := range ms {
			if m.op == "--ro-bind" && strings.HasPrefix(serverExe, m.dst+"/") {
				ms = append(ms, bwrapMount{"--ro-bind", "/dev/null", serverExe})
				break
			}
		}
	}
	return ms
}

// bwrapFile is a file bwrap copies into the sandbox from a descriptor.
type bwrapFile struct {
	path       string // relative to /workspace and validated, or absolute for /etc files
	fd         int
	executable bool
}

// bwrapPlan is everything one bwrap command line is made of.
type bwrapPlan struct {
	uid, gid int
	system   []bwrapMount
	etc      []bwrapFile // the sandbox's /etc files, absolute paths
	mounts   []Mount     // Exec.Mounts, validated
	tmpBytes int64
	// workspaceDir is the host directory bound read-write at /workspace (RunIn); when "", a
	// tmpfs of workspaceBytes holds files instead (Run).
	workspaceDir   string
	workspaceBytes int64
	files          []bwrapFile
	env            map[string]string
	// init is the PID 1 of the sandbox (tini), which runs argv as its child.
	init string
	// seccompFD, infoFD and blockFD are descriptor numbers in bwrap's process.
	seccompFD, infoFD, blockFD int
	argv                       []string
}

// args is bwrap's command line, without the program name. --unshare-all alone would leave a
// root caller uid 0 with every capability in the sandbox; bwrap here runs as the unprivileged
// uid instead, and --unshare-user --uid --gid --cap-drop ALL keep the program at that uid with
// no capability even in its own namespace, while --disable-userns forbids nesting one.
//
// The sandbox's PID 1 is tini (--as-pid-1), not bwrap's own init: when the program exits,
// bwrap's monitor exits at once without reaping its init, which is left a zombie under the
// host's PID 1 (or under the server, when the server is a container's PID 1) after every run.
// bwrap waits for a tini it started directly. tini runs the program as PID 2, with the
// signal semantics of any process (a PID 1 ignores signals it has no handler for, SIGXCPU of
// the CPU limit included), reaps orphans, and exits with the program's status; then the kernel
// ends the PID namespace and whatever the program left running in it.
func (p bwrapPlan) args() []string {
	itoa := strconv.Itoa
	size := func(n int64) string { return strconv.FormatInt(n, 10) }
	a := []string{
		"--unshare-all", "--unshare-user", "--disable-userns",
		"--uid", itoa(p.uid), "--gid", itoa(p.gid), "--cap-drop", "ALL",
		"--die-with-parent", "--new-session", "--as-pid-1", "--hostname", "sandbox",
	}
	for _, m := range p.system {
		a = append(a, m.op, m.src, m.dst)
	}
	for _, f := range p.etc {
		a = append(a, "--perms", "0644", "--ro-bind-data", itoa(f.fd), f.path)
	}
	a = append(a,
		"--proc", "/proc",
		"--dev", "/dev",
		// /dev is a tmpfs bwrap sizes at half the RAM; /dev/shm gets the /tmp cap and the rest
		// of /dev is made read-only (device nodes stay usable on a read-only mount).
		"--perms", "1777", "--size", size(p.tmpBytes), "--tmpfs", "/dev/shm",
		"--remount-ro", "/dev",
		"--perms", "1777", "--size", size(p.tmpBytes), "--tmpfs", "/tmp",
	)
	for _, m := range p.mounts {
		a = append(a, "--ro-bind", m.Source, m.Target)
	}
	if p.workspaceDir != "" {
		a = append(a, "--bind", p.workspaceDir, sandboxWorkdir)
	} else {
		a = append(a, "--perms", "0755", "--size", size(p.workspaceBytes), "--tmpfs", sandboxWorkdir)
		made := map[string]bool{}
		for _, f := range p.files {
			if dir := path.Dir(f.path); dir != "." && !made[dir] {
				made[dir] = true
				a = append(a, "--dir", sandboxWorkdir+"/"+dir)
			}
			perms := "0644"
			if f.executable {
				perms = "0755"
			}
			a = append(a, "--perms", perms, "--file", itoa(f.fd), sandboxWorkdir+"/"+f.path)
		}
	}
	// The sandbox's root is a tmpfs bwrap made (where /etc, /opt and the mount points live):
	// read-only too, so that nothing outside /workspace, /tmp and /dev/shm can be written.
	a = append(a, "--remount-ro", "/", "--chdir", sandboxWorkdir, "--clearenv")
	for _, k := range slices.Sorted(maps.Keys(p.env)) {
		a = append(a, "--setenv", k, p.env[k])
	}
	a = append(a,
		"--seccomp", itoa(p.seccompFD),
		"--info-fd", itoa(p.infoFD),
		"--block-fd", itoa(p.blockFD),
		"--", p.init, "--",
	)
	return append(a, p.argv...)
}

// sandboxEnv is the base environment with an Exec's additions, which may override it (a
// language may need its own PATH).
func sandboxEnv(extra map[string]string) (map[string]string, error) {
	env := maps.Clone(baseEnv)
	for k, v := range extra {
		if !validEnvName(k) || strings.ContainsRune(v, 0) {
			return nil, fmt.Errorf("sandbox: invalid environment variable %q", k)
		}
		env[k] = v
	}
	return env, nil
}

func validEnvName(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		if r != '_' && !(r >= 'A' && r <= 'Z') && !(r >= 'a' && r <= 'z') && !(i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// validFilePath accepts a clean relative path with forward slashes that stays inside the
// working directory.
func validFilePath(p string) error {
	if p == "" || strings.ContainsRune(p, 0) || strings.HasPrefix(p, "/") || path.Clean(p) != p ||
		p == "." || p == ".." || strings.HasPrefix(p, "../") {
		return fmt.Errorf("sandbox: invalid file path %q: want a clean relative path inside the working directory", p)
	}
	return nil
}

// validMount checks an Exec.Mount: an existing absolute host path, and an absolute target that
// does not hide what the sandbox itself provides (/, /proc, /dev, the working directory).
// bwrap runs as the sandbox's uid, so the source must be readable by it.
func validMount(m Mount) error {
	if !filepath.IsAbs(m.Source) || !path.IsAbs(m.Target) || path.Clean(m.Target) != m.Target ||
		strings.ContainsRune(m.Source+m.Target, 0) {
		return fmt.Errorf("sandbox: invalid mount %q -> %q: both paths must be absolute", m.Source, m.Target)
	}
	for _, reserved := range []string{"/proc", "/dev", sandboxWorkdir} {
		if m.Target == reserved || strings.HasPrefix(m.Target, reserved+"/") {
			return fmt.Errorf("sandbox: invalid mount target %q: %s is the sandbox's own", m.Target, reserved)
		}
	}
	if m.Target == "/" {
		return errors.New("sandbox: invalid mount target /")
	}
	if _, err := os.Stat(m.Source); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sandbox: mount source %s does not exist", m.Source)
		}
		return fmt.Errorf("sandbox: mount source: %w", err)
	}
	return nil
}
