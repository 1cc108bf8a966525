package sandbox

import (
	"os/exec"
	"regexp"
	"slices"
	"syscall"
	"testing"
	"time"
)

func TestLocalRlimitsFor(t *testing.T) {
	got := prlimitArgs(rlimitsFor(Limits{CPUTime: 1500 * time.Millisecond, FileBytes: 1 << 20, OpenFiles: 64}))
	want := []string{"--cpu=2:3", "--fsize=1048576:1048576", "--nofile=64:64", "--core=0:0", "--"}
	if !slices.Equal(got, want) {
		t.Fatalf("prlimit args = %q, want %q", got, want)
	}
}

// TestLocalPrlimitSetsLimitsThatCannotBeRaised runs the prlimit step alone, as the sandbox's
// uid, the way the driver starts bwrap.
func TestLocalPrlimitSetsLimitsThatCannotBeRaised(t *testing.T) {
	requireSandboxHost(t)
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatal(err)
	}
	args := prlimitArgs(rlimitsFor(Limits{CPUTime: 2 * time.Second, FileBytes: 4096, OpenFiles: 32}))
	args = append(args, "/bin/sh", "-c", `cat /proc/self/limits; ulimit -n 64 2>/dev/null && echo raised || echo refused
		head -c 8192 /dev/zero > /dev/null; (trap "" XFSZ; head -c 8192 /dev/zero > /tmp/interviewlm-rlimit-test-$$ 2>/dev/null) && echo wrote || echo short; rm -f /tmp/interviewlm-rlimit-test-$$`)
	cmd := exec.Command(prlimit, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyID, Gid: nobodyID, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		`Max cpu time\s+2\s+3\s+seconds`,
		`Max file size\s+4096\s+4096\s+bytes`,
		`Max open files\s+32\s+32\s+files`,
		`Max core file size\s+0\s+0\s+bytes`,
		`\nrefused\n`,
		`\nshort\n`,
	} {
		if !regexp.MustCompile(want).Match(out) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
