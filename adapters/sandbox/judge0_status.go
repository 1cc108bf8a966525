package sandbox

import (
	"bytes"
	"fmt"
)

// Judge0's status ids, as GET /statuses lists them.
const (
	judge0InQueue         = 1
	judge0Processing      = 2
	judge0Accepted        = 3
	judge0WrongAnswer     = 4
	judge0TimeLimit       = 5
	judge0CompileError    = 6
	judge0SIGSEGV         = 7
	judge0SIGXFSZ         = 8
	judge0SIGFPE          = 9
	judge0SIGABRT         = 10
	judge0NZEC            = 11
	judge0RuntimeOther    = 12
	judge0InternalError   = 13
	judge0ExecFormatError = 14
)

// judge0StatusSignals are the signals statuses 7–10 stand for, when exit_signal is missing.
var judge0StatusSignals = map[int]int{judge0SIGSEGV: 11, judge0SIGXFSZ: 25, judge0SIGFPE: 8, judge0SIGABRT: 6}

// judge0Result maps a finished submission to our Result. l is what the program asked for;
// memoryKB the memory_limit actually sent (0: the server's default), after clamping.
//
//	status                                  Outcome          detail
//	3 Accepted, 4 Wrong Answer              exited           ExitCode = exit_code (4 cannot happen: no expected_output is sent)
//	5 Time Limit Exceeded                   timeout          CPU or wall clock; the partial output is kept
//	6 Compilation Error                     compile_error    Stderr = compile_output, Stdout empty, ExitCode 1
//	7 SIGSEGV, 9 SIGFPE, 10 SIGABRT         signaled         Signal = exit_signal, else the status's own
//	8 SIGXFSZ                               output_limit     max_file_size also bounds stdout, which Judge0 writes to a file
//	11 NZEC, 12 Other                       exited           ExitCode = exit_code; but signaled when exit_signal is set or
//	                                                         exit_code is 129–192 (see below)
//	13 Internal Error, 14 Exec Format Error sandbox_error    Stderr = stderr and Judge0's message
//	1, 2 and unknown ids                    (error)
//
// Judge0 runs every program through a bash script, and bash reports a child killed by signal
// n as exit status 128+n, so on a real cluster a segfault is status 11 with exit_code 139
// rather than status 7: exit codes 129–192 are read as signals. (A program that exits with
// such a code by itself is misread; none of the harnesses do.) Then, in order:
//   - SIGXFSZ becomes output_limit and SIGXCPU timeout, whichever status carried them;
//   - a runtime error (7–12) is memory_limit when it was SIGKILL — inside Judge0's box only
//     the memory cgroup's OOM killer sends it, and peak memory then equals the limit — or when
//     stderr carries a runtime's out-of-memory message;
//   - an exit after more wall time than l.WallTime is timeout (Judge0 will not go below 1 s);
//   - stdout and stderr are cut at l.OutputBytes; when cut, exited, signaled and timeout
//     become output_limit, as the local driver stops a flooding program at the cap.
func judge0Result(l Limits, memoryKB int64, a judge0Answer) (Result, error) {
	stdout, err := judge0Decode("stdout", a.Stdout)
	if err != nil {
		return Result{}, err
	}
	stderr, err := judge0Decode("stderr", a.Stderr)
	if err != nil {
		return Result{}, err
	}
	compileOutput, err := judge0Decode("compile_output", a.CompileOutput)
	if err != nil {
		return Result{}, err
	}
	message, err := judge0Decode("message", a.Message)
	if err != nil {
		return Result{}, err
	}
	r := Result{
		Stdout:          stdout,
		Stderr:          stderr,
		Duration:        a.WallTime.duration(),
		CPUTime:         a.Time.duration(),
		PeakMemoryBytes: int64(a.Memory.v * 1024),
	}
	if a.ExitCode != nil {
		r.ExitCode = *a.ExitCode
	}
	signal := 0
	if a.ExitSignal != nil {
		signal = *a.ExitSignal
	}

	runtimeError := false
	switch id := a.Status.ID; id {
	case judge0Accepted, judge0WrongAnswer:
		r.Outcome = OutcomeExited
	case judge0TimeLimit:
		r.Outcome = OutcomeTimeout
	case judge0CompileError:
		r.Outcome = OutcomeCompileError
		r.Stdout, r.Stderr = nil, compileOutput
		if r.ExitCode == 0 {
			// Judge0 leaves exit_code empty; a non-zero code keeps code that only looks at
			// ExitCode from taking a failed build for success.
			r.ExitCode = 1
		}
	case judge0SIGSEGV, judge0SIGXFSZ, judge0SIGFPE, judge0SIGABRT:
		runtimeError = true
		r.Outcome = OutcomeSignaled
		if signal == 0 {
			signal = judge0StatusSignals[id]
		}
	case judge0NZEC, judge0RuntimeOther:
		runtimeError = true
		switch {
		case signal > 0:
			r.Outcome = OutcomeSignaled
		case r.ExitCode > 128 && r.ExitCode <= 128+64:
			r.Outcome = OutcomeSignaled
			signal = r.ExitCode - 128
		default:
			r.Outcome = OutcomeExited
		}
	case judge0InternalError, judge0ExecFormatError:
		r.Outcome = OutcomeSandboxError
		r.Stderr = judge0JoinLines(stderr, message)
	case judge0InQueue, judge0Processing:
		return Result{}, fmt.Errorf("submission has not finished (status %d)", id)
	default:
		return Result{}, fmt.Errorf("%w: unknown status %d (%q)", ErrJudge0Malformed, id, a.Status.Description)
	}
	if r.Outcome == OutcomeSignaled {
		r.Signal = judge0SignalName(signal)
	}

	switch {
	case r.Signal == "SIGXFSZ":
		r.Outcome, r.Truncated = OutcomeOutputLimit, true
	case r.Signal == "SIGXCPU":
		r.Outcome = OutcomeTimeout
	case runtimeError && judge0OutOfMemory(memoryKB, a.Memory, r.Signal, stderr):
		r.Outcome = OutcomeMemoryLimit
	}
	if r.Outcome == OutcomeExited && l.WallTime > 0 && a.WallTime.set && r.Duration > l.WallTime {
		r.Outcome = OutcomeTimeout
	}
	if n := l.OutputBytes; n > 0 && (len(r.Stdout) > n || len(r.Stderr) > n) {
		r.Stdout, r.Stderr = r.Stdout[:min(n, len(r.Stdout))], r.Stderr[:min(n, len(r.Stderr))]
		r.Truncated = true
		switch r.Outcome {
		case OutcomeExited, OutcomeSignaled, OutcomeTimeout:
			r.Outcome = OutcomeOutputLimit
		}
	}
	return r, nil
}

// judge0OOMMessages are what our runtimes print when an allocation fails, which happens
// instead of an OOM kill when a server limits memory per process (RLIMIT_AS).
var judge0OOMMessages = [][]byte{
	[]byte("MemoryError"),                   // Python
	[]byte("JavaScript heap out of memory"), // Node.js
	[]byte("runtime: out of memory"),        // Go
}

// judge0OutOfMemory recognises a memory-limit kill among runtime errors. A SIGKILL with peak
// memory at the limit (limitKB) is the OOM killer; with no limit of ours the server's default
// applied, which is not reported, so SIGKILL alone is taken as the OOM killer.
func judge0OutOfMemory(limitKB int64, peak judge0Number, signal string, stderr []byte) bool {
	if signal == "SIGKILL" {
		if limitKB <= 0 || !peak.set {
			return true
		}
		return peak.v >= 0.95*float64(limitKB)
	}
	for _, m := range judge0OOMMessages {
		if bytes.Contains(stderr, m) {
			return true
		}
	}
	return false
}

func judge0JoinLines(a, b []byte) []byte {
	switch {
	case len(a) == 0:
		return b
	case len(b) == 0:
		return a
	}
	out := append([]byte{}, a...)
	if out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, b...)
}

// judge0LinuxSignals names signals by their Linux numbers, which Judge0 (isolate on Linux) reports
// whatever the platform this server runs on.
var judge0LinuxSignals = [...]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
	8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
	14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP",
	20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
	26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS",
}

func judge0SignalName(n int) string {
	if n > 0 && n < len(judge0LinuxSignals) {
		return judge0LinuxSignals[n]
	}
	return fmt.Sprintf("SIG%d", n)
}
