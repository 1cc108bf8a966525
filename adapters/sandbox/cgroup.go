package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// cgroupUnavailable says what the local driver needs when no hierarchy can limit memory and
// processes; it is the message of NewLocal's ErrUnavailable.
const cgroupUnavailable = "no usable cgroups to limit memory and processes: mount cgroup v2 with " +
	"the memory and pids controllers (mount -t cgroup2 none /sys/fs/cgroup, or boot with " +
	"systemd.unified_cgroup_hierarchy=1), or the v1 memory and pids hierarchies " +
	"(mount -t cgroup -o memory cgroup /sys/fs/cgroup/memory; mount -t cgroup -o pids cgroup " +
	"/sys/fs/cgroup/pids)"

// cgroupMounts is where the cgroup hierarchies are mounted, read from /proc/self/mountinfo.
type cgroupMounts struct {
	unified string            // the cgroup2 mount point, "" when none
	v1      map[string]string // controller (memory, pids, cpu, cpuacct) to v1 mount point
}

// findCgroupMounts reads a mountinfo table. A controller can be bound to one hierarchy only,
// so on a hybrid host (v1 memory, a cgroup2 mount without it) both are reported and the caller
// sees which one holds the controllers.
func findCgroupMounts(mountinfo []byte) cgroupMounts {
	m := cgroupMounts{v1: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(mountinfo))
	for sc.Scan() {
		// "36 25 0:31 / /sys/fs/cgroup/memory rw,nosuid shared:12 - cgroup cgroup rw,memory"
		left, right, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		lf, rf := strings.Fields(left), strings.Fields(right)
		if len(lf) < 5 || len(rf) < 3 {
			continue
		}
		point := unescapeMountPath(lf[4])
		switch rf[0] {
		case "cgroup2":
			if m.unified == "" {
				m.unified = point
			}
		case "cgroup":
			for _, opt := range strings.Split(rf[2], ",") {
				switch opt {
				case "memory", "pids", "cpu", "cpuacct":
					if _, seen := m.v1[opt]; !seen {
						m.v1[opt] = point
					}
				}
			}
		}
	}
	return m
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cgroups is the parent cgroup under which each run gets its own, in one of two layouts.
type cgroups struct {
	version int
	// unified is the parent directory in the cgroup2 hierarchy (version 2).
	unified string
	// memory, pids, cpu and cpuacct are the parent directories in the v1 hierarchies
	// (version 1); cpu and cpuacct are "" when the host does not mount them.
	memory, pids, cpu, cpuacct string
	// cpuController says whether CPU quotas can be set (v2: the cpu controller is enabled).
	cpuController bool
}

// openCgroups picks the hierarchy that has the memory and pids controllers, v2 first, and
// creates the parent cgroup there. In v2 the parent is a child of the hierarchy's root, whose
// subtree_control may enable controllers even while it holds processes; a child of the
// server's own cgroup could not ("no internal processes").
func openCgroups(m cgroupMounts, parent string) (*cgroups, error) {
	if m.unified != "" {
		ctl, err := os.ReadFile(filepath.Join(m.unified, "cgroup.controllers"))
		have := strings.Fields(string(ctl))
		if err == nil && slices.Contains(have, "memory") && slices.Contains(have, "pids") {
			return openUnified(m.unified, parent, slices.Contains(have, "cpu"))
		}
	}
	if m.v1["memory"] == "" || m.v1["pids"] == "" {
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, cgroupUnavailable)
	}
	c := &cgroups{version: 1}
	for _, h := range []struct {
		controller string
		dir        *string
	}{{"memory", &c.memory}, {"pids", &c.pids}, {"cpu", &c.cpu}, {"cpuacct", &c.cpuacct}} {
		mount := m.v1[h.controller]
		if mount == "" {
			continue
		}
		*h.dir = filepath.Join(mount, parent)
		if err := os.MkdirAll(*h.dir, 0o755); err != nil {
			return nil, fmt.Errorf("%w: cannot create the cgroup %s (the local driver runs as root "+
				"with a writable cgroup hierarchy): %v", ErrUnavailable, *h.dir, err)
		}
	}
	c.cpuController = c.cpu != ""
	c.removeStale()
	return c, nil
}

// openUnified enables the controllers for the parent's children: memory and pids, which it
// needs, and cpu when the kernel lets it (it refuses while a realtime process sits in the root).
func openUnified(mount, parent string, cpu bool) (*cgroups, error) {
	c := &cgroups{version: 2, unified: filepath.Join(mount, parent)}
	fail := func(err error) (*cgroups, error) {
		return nil, fmt.Errorf("%w: cannot set up the cgroup %s (the local driver runs as root with "+
			"a writable cgroup2 hierarchy whose root may delegate memory and pids): %v",
			ErrUnavailable, c.unified, err)
	}
	rootControl := filepath.Join(mount, "cgroup.subtree_control")
	parentControl := filepath.Join(c.unified, "cgroup.subtree_control")
	if err := writeCgroupFile(rootControl, "+memory +pids"); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(c.unified, 0o755); err != nil {
		return fail(err)
	}
	if err := writeCgroupFile(parentControl, "+memory +pids"); err != nil {
		return fail(err)
	}
	c.cpuController = cpu && writeCgroupFile(rootControl, "+cpu") == nil &&
		writeCgroupFile(parentControl, "+cpu") == nil
	c.removeStale()
	return c, nil
}

// parents lists the parent directories in use.
func (c *cgroups) parents() []string {
	if c.version == 2 {
		return []string{c.unified}
	}
	var dirs []string
	for _, d := range []string{c.memory, c.pids, c.cpu, c.cpuacct} {
		if d != "" && !slices.Contains(dirs, d) { // cpu and cpuacct may share a hierarchy
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// removeStale removes the run cgroups a previous server process left behind when it died
// mid-run (its sandboxes died with it, through bwrap's --die-with-parent). Those of live
// processes, another server on the same host included, are left alone.
func (c *cgroups) removeStale() {
	for _, parent := range c.parents() {
		entries, _ := os.ReadDir(parent)
		for _, e := range entries {
			var pid, n int
			if !e.IsDir() {
				continue
			}
			if _, err := fmt.Sscanf(e.Name(), "run-%d-%d", &pid, &n); err != nil {
				continue
			}
			if pid == os.Getpid() || unix.Kill(pid, 0) != unix.ESRCH {
				continue
			}
			_ = unix.Rmdir(filepath.Join(parent, e.Name()))
		}
	}
}

// cgroupLimits is what a run's cgroup enforces.
type cgroupLimits struct {
	memoryBytes int64
	processes   int
	cpus        float64 // cores of CPU time per period; 0 for no quota
}

// cgroupSetting is one value written into a run's cgroup.
type cgroupSetting struct {
	controller string // memory, pids or cpu: which v1 hierarchy holds the file
	file       string
	value      string
	optional   bool // absent on some kernels or configurations, skipped then
}

// cgroupCPUPeriod is the CFS period of CPU quotas, the kernel's default.
const cgroupCPUPeriod = 100_000

// cgroupSettings lists the files to write for limits. Swap is capped to nothing, so the memory
// limit cannot be dodged by swapping; in v2 an OOM kill takes the whole group, so a program
// cannot keep running on with its allocating child killed.
func cgroupSettings(version int, l cgroupLimits, cpu bool) []cgroupSetting {
	mem := strconv.FormatInt(l.memoryBytes, 10)
	pids := strconv.Itoa(l.processes)
	quota := int64(l.cpus * cgroupCPUPeriod)
	var s []cgroupSetting
	if version == 2 {
		s = []cgroupSetting{
			{"memory", "memory.max", mem, false},
			{"memory", "memory.swap.max", "0", true},
			{"memory", "memory.oom.group", "1", true},
			{"pids", "pids.max", pids, false},
		}
		if cpu && quota > 0 {
			s = append(s, cgroupSetting{"cpu", "cpu.max", fmt.Sprintf("%d %d", quota, cgroupCPUPeriod), false})
		}
		return s
	}
	s = []cgroupSetting{
		{"memory", "memory.limit_in_bytes", mem, false},
		// memsw (memory plus swap) must not be below the memory limit, so it comes second.
		{"memory", "memory.memsw.limit_in_bytes", mem, true},
		{"pids", "pids.max", pids, false},
	}
	if cpu && quota > 0 {
		s = append(s,
			cgroupSetting{"cpu", "cpu.cfs_period_us", strconv.Itoa(cgroupCPUPeriod), false},
			cgroupSetting{"cpu", "cpu.cfs_quota_us", strconv.FormatInt(quota, 10), false})
	}
	return s
}

// runCgroup is the cgroup of one run: one directory in v2, one per hierarchy in v1.
type runCgroup struct {
	version                    int
	unified                    string
	memory, pids, cpu, cpuacct string
	dirs                       []string // every directory created, in creation order
}

// runSeq numbers the runs of this process: shared by every driver in it, so that two drivers
// never name two runs alike.
var runSeq atomic.Int64

// create makes a run's cgroup and sets its limits. Every run also gets its own CPU group, so
// the scheduler shares the CPU between runs, not between processes: a run of 60 busy
// processes weighs what a run of one does.
func (c *cgroups) create(l cgroupLimits) (*runCgroup, error) {
	name := fmt.Sprintf("run-%d-%d", os.Getpid(), runSeq.Add(1))
	r := &runCgroup{version: c.version}
	if c.version == 2 {
		r.unified = filepath.Join(c.unified, name)
	} else {
		r.memory, r.pids = filepath.Join(c.memory, name), filepath.Join(c.pids, name)
		if c.cpu != "" {
			r.cpu = filepath.Join(c.cpu, name)
		}
		if c.cpuacct != "" {
			r.cpuacct = filepath.Join(c.cpuacct, name)
		}
	}
	for _, d := range []string{r.unified, r.memory, r.pids, r.cpu, r.cpuacct} {
		if d == "" || slices.Contains(r.dirs, d) {
			continue // cpu and cpuacct may share one v1 hierarchy
		}
		if err := os.Mkdir(d, 0o755); err != nil {
			_ = r.remove()
			return nil, fmt.Errorf("sandbox: create cgroup: %w", err)
		}
		r.dirs = append(r.dirs, d)
	}
	for _, s := range cgroupSettings(c.version, l, c.cpuController) {
		err := writeCgroupFile(filepath.Join(r.dir(s.controller), s.file), s.value)
		if err != nil && !(s.optional && errors.Is(err, fs.ErrNotExist)) {
			_ = r.remove()
			return nil, fmt.Errorf("sandbox: cgroup %s: %w", s.file, err)
		}
	}
	return r, nil
}

// dir is the directory holding a controller's files.
func (r *runCgroup) dir(controller string) string {
	if r.version == 2 {
		return r.unified
	}
	switch controller {
	case "memory":
		return r.memory
	case "pids":
		return r.pids
	case "cpuacct":
		return r.cpuacct
	}
	return r.cpu
}

// addProc moves a process, with its threads, into the run's cgroup in every hierarchy.
func (r *runCgroup) addProc(pid int) error {
	for _, d := range r.dirs {
		if err := writeCgroupFile(filepath.Join(d, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("sandbox: place pid %d in cgroup %s: %w", pid, d, err)
		}
	}
	return nil
}

// cgroupStats is what a run's cgroup measured.
type cgroupStats struct {
	oomKills  int64
	peakBytes int64
	cpu       time.Duration // -1 when the host does not account CPU per cgroup
}

// stats reads the OOM kills, the memory high-water mark and the CPU time used.
func (r *runCgroup) stats() cgroupStats {
	st := cgroupStats{cpu: -1}
	if r.version == 2 {
		st.oomKills = flatKeyed(readCgroupFile(filepath.Join(r.unified, "memory.events")), "oom_kill")
		st.peakBytes = parseInt(readCgroupFile(filepath.Join(r.unified, "memory.peak")))
		if usec := flatKeyed(readCgroupFile(filepath.Join(r.unified, "cpu.stat")), "usage_usec"); usec >= 0 {
			st.cpu = time.Duration(usec) * time.Microsecond
		}
		return st
	}
	st.oomKills = flatKeyed(readCgroupFile(filepath.Join(r.memory, "memory.oom_control")), "oom_kill")
	st.peakBytes = parseInt(readCgroupFile(filepath.Join(r.memory, "memory.max_usage_in_bytes")))
	if r.cpuacct != "" {
		if ns := parseInt(readCgroupFile(filepath.Join(r.cpuacct, "cpuacct.usage"))); ns >= 0 {
			st.cpu = time.Duration(ns)
		}
	}
	return st
}

// killAll sends SIGKILL to every process in the cgroup. The sandbox's PID namespace already
// ends them all when its init dies; this is the fallback before removing the cgroup.
func (r *runCgroup) killAll() {
	if r.version == 2 {
		if writeCgroupFile(filepath.Join(r.unified, "cgroup.kill"), "1") == nil {
			return
		}
	}
	for _, d := range r.dirs {
		for _, f := range strings.Fields(readCgroupFile(filepath.Join(d, "cgroup.procs"))) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
				_ = unix.Kill(pid, unix.SIGKILL)
			}
		}
	}
}

// remove deletes the run's cgroup. A cgroup cannot be removed while a process is in it, and an
// exiting process leaves it a moment after its parent has reaped it, so it retries briefly,
// killing whatever is still there.
func (r *runCgroup) remove() error {
	deadline := time.Now().Add(2 * time.Second)
	for i := len(r.dirs) - 1; i >= 0; i-- {
		for {
			err := unix.Rmdir(r.dirs[i])
			if err == nil || errors.Is(err, unix.ENOENT) {
				break
			}
			if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
				return fmt.Errorf("sandbox: remove cgroup %s: %w", r.dirs[i], err)
			}
			r.killAll()
			time.Sleep(2 * time.Millisecond)
		}
	}
	return nil
}

// writeCgroupFile writes a value into an existing cgroup file; it never creates one, so a
// missing controller file is reported as such.
func writeCgroupFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func readCgroupFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// flatKeyed reads the value of key in a "key value" per line file (memory.events, cpu.stat,
// memory.oom_control); -1 when absent.
func flatKeyed(content, key string) int64 {
	for _, line := range strings.Split(content, "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			return parseInt(v)
		}
	}
	return -1
}

// parseInt reads a cgroup number; -1 when it is absent or not a number ("max").
func parseInt(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return -1
	}
	return n
}
