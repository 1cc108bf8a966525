package sandbox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkLocalOverhead runs the same trivial Python program bare and in the sandbox, in
// turns so that both see the same machine, and reports each per run and the difference: the
// cost of the sandbox (bwrap, namespaces, mounts, seccomp, cgroup, rlimits) for one execution.
func BenchmarkLocalOverhead(b *testing.B) {
	l := localForTest(b)
	src := []byte("print('hello')\n")
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.py"), src, 0o644); err != nil {
		b.Fatal(err)
	}
	files := []File{{Path: "main.py", Content: src}}
	ex := Exec{Argv: []string{"/usr/bin/python3", "main.py"}}
	var bare, boxed time.Duration
	n := 0
	for b.Loop() {
		n++
		t0 := time.Now()
		cmd := exec.Command("/usr/bin/python3", "main.py")
		cmd.Dir = dir
		if out, err := cmd.Output(); err != nil || string(out) != "hello\n" {
			b.Fatalf("bare: %v %q", err, out)
		}
		t1 := time.Now()
		res, err := l.Run(context.Background(), files, ex)
		if err != nil || res.Outcome != OutcomeExited || string(res.Stdout) != "hello\n" {
			b.Fatalf("sandbox: %v %s %q %s", err, res.Outcome, res.Stdout, res.Stderr)
		}
		bare += t1.Sub(t0)
		boxed += time.Since(t1)
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(n) }
	b.ReportMetric(ms(bare), "bare-ms/run")
	b.ReportMetric(ms(boxed), "sandbox-ms/run")
	b.ReportMetric(ms(boxed-bare), "overhead-ms/run")
}
