package sandbox

import (
	"fmt"
	"time"
)

// rlimit is one resource limit for the sandbox's processes, by its prlimit(1) option.
type rlimit struct {
	option   string // --cpu, --fsize, ...
	cur, max uint64
}

// rlimitsFor turns the per-process limits into rlimits. Memory and the process count are not
// among them: RLIMIT_AS breaks node and Go (they reserve far more address space than they use)
// and RLIMIT_NPROC counts every process of the uid on the host, all sandboxes together; the
// cgroup limits both for this sandbox alone.
func rlimitsFor(l Limits) []rlimit {
	// RLIMIT_CPU counts whole seconds. The soft limit sends SIGXCPU, which ends python and node;
	// a program that ignores it (Go's runtime does) gets SIGKILL at the hard limit a second on.
	cpu := uint64((l.CPUTime + time.Second - 1) / time.Second)
	return []rlimit{
		{"--cpu", cpu, cpu + 1},
		{"--fsize", uint64(l.FileBytes), uint64(l.FileBytes)},
		{"--nofile", uint64(l.OpenFiles), uint64(l.OpenFiles)},
		{"--core", 0, 0},
	}
}

// prlimitArgs is the util-linux prlimit command line that sets the limits on itself and then
// execs the rest of the command line (bwrap). The server cannot set them on bwrap from outside:
// prlimit(2) on another uid's process takes CAP_SYS_RESOURCE, which a server in a container
// often lacks, while lowering one's own limits takes nothing. Set before bwrap starts, they are
// inherited by the sandbox's init and by every process in it, and none can raise a hard limit
// again (that, too, takes CAP_SYS_RESOURCE in the host's user namespace).
func prlimitArgs(limits []rlimit) []string {
	args := make([]string, 0, len(limits)+1)
	for _, l := range limits {
		args = append(args, fmt.Sprintf("%s=%d:%d", l.option, l.cur, l.max))
	}
	return append(args, "--")
}
