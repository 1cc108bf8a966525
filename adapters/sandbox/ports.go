package sandbox

import (
	"context"
	"time"

	"github.com/interviewlm/interviewlm/commands"
)

// TestExecutor runs submissions' tests through runner (commands.TestExecutor).
func TestExecutor(runner Runner, toolchain Toolchain) commands.TestExecutor {
	toolchain = toolchain.withDefaults() // once, not at every run (it looks for esbuild on disk)
	return func(ctx context.Context, sub commands.TestSubmission) (commands.TestReport, error) {
		report, err := RunTests(ctx, runner, Submission{Language: sub.Language, Code: sub.Code,
			FileName: sub.FileName, Mode: sub.Mode, Entrypoint: sub.Entrypoint, Tests: sub.Tests},
			Options{Toolchain: toolchain})
		return commands.TestReport{Passed: report.Passed, Failed: report.Failed, Total: report.Total,
			Results: report.Results, ExecutionTimeMs: report.ExecutionTimeMs}, err
	}
}

// Shell runs terminal commands with /bin/sh in a workspace through runner (commands.Shell).
func Shell(runner Runner, limits Limits) commands.Shell {
	return func(ctx context.Context, dir, command string, onOutput func(stderr bool, chunk []byte)) (commands.ShellResult, error) {
		res, err := runner.RunIn(ctx, dir, Exec{Argv: []string{"/bin/sh", "-c", command}, Limits: limits, OnOutput: onOutput})
		return commands.ShellResult{Stdout: res.Stdout, Stderr: res.Stderr, ExitCode: res.ExitCode,
			TimedOut: res.Outcome == OutcomeTimeout, Truncated: res.Truncated, Duration: res.Duration}, err
	}
}

// TerminalLimits bound one terminal command: longer than a test, since candidates install,
// build and run things there.
var TerminalLimits = Limits{WallTime: 60 * time.Second, CPUTime: 30 * time.Second}
