package sandbox

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hybridMountinfo is this project's machines: v1 controllers, and a cgroup2 mount without them.
const hybridMountinfo = `24 29 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 24 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 31 0:33 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:35 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

func TestLocalCgroupMountsV1(t *testing.T) {
	m := findCgroupMounts([]byte(hybridMountinfo))
	want := map[string]string{"memory": "/sys/fs/cgroup/memory", "pids": "/sys/fs/cgroup/pids",
		"cpu": "/sys/fs/cgroup/cpu", "cpuacct": "/sys/fs/cgroup/cpuacct"}
	for k, v := range want {
		if m.v1[k] != v {
			t.Errorf("v1[%s] = %q, want %q", k, m.v1[k], v)
		}
	}
	if m.unified != "/sys/fs/cgroup/unified" {
		t.Errorf("unified = %q", m.unified)
	}
}

func TestLocalCgroupMountsV2AndCombined(t *testing.T) {
	m := findCgroupMounts([]byte(`30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate
41 30 0:40 / /mnt/odd\040dir rw - cgroup cgroup rw,cpu,cpuacct
`))
	if m.unified != "/sys/fs/cgroup" {
		t.Errorf("unified = %q", m.unified)
	}
	if m.v1["cpu"] != "/mnt/odd dir" || m.v1["cpuacct"] != "/mnt/odd dir" || m.v1["memory"] != "" {
		t.Errorf("v1 = %v", m.v1)
	}
}

func TestLocalCgroupUnavailableSaysWhatToMount(t *testing.T) {
	// A cgroup2 mount whose root offers no memory controller, and no v1 hierarchy.
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "cgroup.controllers"), []byte("hugetlb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := openCgroups(cgroupMounts{unified: root, v1: map[string]string{"cpu": "/sys/fs/cgroup/cpu"}}, "x")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	for _, want := range []string{"memory", "pids", "mount -t cgroup2", "mount -t cgroup -o memory"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
}

func TestLocalCgroupSettings(t *testing.T) {
	l := cgroupLimits{memoryBytes: 256 << 20, processes: 64, cpus: 1.5}
	v1 := cgroupSettings(1, l, true)
	want1 := []cgroupSetting{
		{"memory", "memory.limit_in_bytes", "268435456", false},
		{"memory", "memory.memsw.limit_in_bytes", "268435456", true},
		{"pids", "pids.max", "64", false},
		{"cpu", "cpu.cfs_period_us", "100000", false},
		{"cpu", "cpu.cfs_quota_us", "150000", false},
	}
	if !slices.Equal(v1, want1) {
		t.Errorf("v1 = %v\nwant %v", v1, want1)
	}
	v2 := cgroupSettings(2, l, true)
	want2 := []cgroupSetting{
		{"memory", "memory.max", "268435456", false},
		{"memory", "memory.swap.max", "0", true},
		{"memory", "memory.oom.group", "1", true},
		{"pids", "pids.max", "64", false},
		{"cpu", "cpu.max", "150000 100000", false},
	}
	if !slices.Equal(v2, want2) {
		t.Errorf("v2 = %v\nwant %v", v2, want2)
	}
	if s := cgroupSettings(2, cgroupLimits{memoryBytes: 1, processes: 1}, true); len(s) != 4 {
		t.Errorf("no CPU cap asked, got %v", s)
	}
}

func TestLocalCgroupFlatKeyed(t *testing.T) {
	if n := flatKeyed("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill"); n != 3 {
		t.Errorf("v1 oom_control: %d", n)
	}
	if n := flatKeyed("low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 1\n", "oom_kill"); n != 1 {
		t.Errorf("v2 memory.events: %d", n)
	}
	if n := flatKeyed("usage_usec 1500\nuser_usec 1000\n", "usage_usec"); n != 1500 {
		t.Errorf("cpu.stat: %d", n)
	}
	if n := flatKeyed("", "oom_kill"); n != -1 {
		t.Errorf("absent key: %d", n)
	}
	if parseInt("max\n") != -1 || parseInt("42\n") != 42 {
		t.Errorf("parseInt")
	}
}

// testCgroups opens the real hierarchies of this machine under a parent of the test's own.
func testCgroups(t *testing.T) *cgroups {
	t.Helper()
	requireSandboxHost(t)
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	c, err := openCgroups(findCgroupMounts(info), "interviewlm-test-"+strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range c.parents() {
			if err := os.Remove(p); err != nil {
				t.Errorf("parent cgroup left behind: %v", err)
			}
		}
	})
	return c
}

// startHeld starts a shell that waits for a line on stdin before it runs script, so that it can
// be placed in a cgroup first, as bwrap's --block-fd lets the driver do.
func startHeld(t *testing.T, script string) (*exec.Cmd, io.WriteCloser, *strings.Builder) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", "read go; "+script)
	out := &strings.Builder{}
	cmd.Stdout = out
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, in, out
}

func TestLocalCgroupLimitsProcesses(t *testing.T) {
	c := testCgroups(t)
	r, err := c.create(cgroupLimits{memoryBytes: 64 << 20, processes: 8, cpus: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	memLimit := "memory.limit_in_bytes"
	if c.version == 2 {
		memLimit = "memory.max"
	}
	for file, want := range map[string]string{
		filepath.Join(r.dir("memory"), memLimit): strconv.Itoa(64 << 20),
		filepath.Join(r.dir("pids"), "pids.max"): "8",
	} {
		if got := strings.TrimSpace(readCgroupFile(file)); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	if c.version == 1 && c.cpu != "" {
		if got := strings.TrimSpace(readCgroupFile(filepath.Join(r.cpu, "cpu.cfs_quota_us"))); got != "50000" {
			t.Errorf("cpu quota = %q", got)
		}
	}

	// Twenty children against a limit of eight processes, python itself one of them.
	cmd, in, out := startHeld(t, `exec /usr/bin/python3 -c '
import subprocess
n = 0
for i in range(20):
    try:
        subprocess.Popen(["/bin/sleep", "30"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        n += 1
    except OSError:
        pass
print(n)'`)
	if err := r.addProc(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if procs := readCgroupFile(filepath.Join(r.dir("pids"), "cgroup.procs")); !strings.Contains(procs, strconv.Itoa(cmd.Process.Pid)) {
		t.Fatalf("pid %d not in the cgroup: %q", cmd.Process.Pid, procs)
	}
	_, _ = io.WriteString(in, "go\n")
	_ = in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(out.String())); err != nil || n != 7 {
		t.Errorf("children started = %q, want 7", out.String())
	}
	// The sleeps are still in the cgroup: remove kills them.
	if err := r.remove(); err != nil {
		t.Fatal(err)
	}
	for _, d := range r.dirs {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("cgroup %s left behind", d)
		}
	}
}

func TestLocalCgroupCountsOOMKillsAndPeak(t *testing.T) {
	c := testCgroups(t)
	r, err := c.create(cgroupLimits{memoryBytes: 32 << 20, processes: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := r.remove(); err != nil {
			t.Error(err)
		}
	}()
	cmd, in, _ := startHeld(t, `exec /usr/bin/python3 -c "x = bytearray(200 << 20)"`)
	if err := r.addProc(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(in, "go\n")
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ProcessState.String() != "signal: killed" {
		t.Fatalf("python allocating 200 MiB under 32 MiB: %v", err)
	}
	st := r.stats()
	if st.oomKills < 1 {
		t.Errorf("oom kills = %d", st.oomKills)
	}
	if st.peakBytes < 16<<20 || st.peakBytes > 40<<20 {
		t.Errorf("peak = %d, want near the 32 MiB limit", st.peakBytes)
	}
}

func TestLocalCgroupRemoveKillsLeftovers(t *testing.T) {
	c := testCgroups(t)
	r, err := c.create(cgroupLimits{memoryBytes: 64 << 20, processes: 16})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	if err := r.addProc(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if err := r.remove(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Fatal("the process in the removed cgroup is still running")
	}
}
