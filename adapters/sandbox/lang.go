package sandbox

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/interviewlm/interviewlm/domain"
)

// The function-mode harnesses, one per runtime. Each calls the entrypoint with the JSON
// arguments read from stdin and writes its return value as one JSON line on stdout.
var (
	//go:embed harness/harness.py
	harnessPython string
	//go:embed harness/harness.js
	harnessJS string
	//go:embed harness/harness.go
	harnessGo string
)

// DefaultGoCache is where .ci/ensure-languages compiles the Go standard library.
const DefaultGoCache = "/var/cache/interviewlm/gocache"

// goCacheStamp is the file .ci/ensure-languages writes last into a finished Go cache.
const goCacheStamp = "interviewlm-stamp"

// goCacheTarget is where the Go cache appears inside the sandbox. go build runs with GOCACHE
// there although it cannot write to it: Go reads the standard library's entries and silently
// skips storing the few new ones (the candidate's package, which is compiled once anyway).
const goCacheTarget = "/interviewlm/gocache"

// The file names the harnesses and the compiled program take in the sandbox. Candidates' file
// names never take them (see sourceName).
const (
	harnessPythonName = "interviewlm_harness.py"
	harnessJSName     = "interviewlm_harness.js"
	goProgramName     = "interviewlm_prog"
)

// Toolchain says where the programs that run submissions are. The local driver binds the
// host's system directories at the same paths inside the sandbox, so each path serves both:
// RunTests checks it on the host and runs it in the sandbox. Zero fields take the defaults.
type Toolchain struct {
	// Python is the interpreter (default /usr/bin/python3).
	Python string
	// Node runs JavaScript and transpiled TypeScript (default /usr/bin/node).
	Node string
	// ESBuild transpiles TypeScript (default /usr/bin/esbuild, else /usr/local/bin/esbuild).
	ESBuild string
	// Go is the go command (default /usr/local/go/bin/go).
	Go string
	// GoCache holds the standard library compiled by .ci/ensure-languages (default
	// DefaultGoCache). It is bound read-only into the sandbox for each Go build.
	GoCache string
}

func (tc Toolchain) withDefaults() Toolchain {
	if tc.Python == "" {
		tc.Python = "/usr/bin/python3"
	}
	if tc.Node == "" {
		tc.Node = "/usr/bin/node"
	}
	if tc.ESBuild == "" {
		tc.ESBuild = "/usr/bin/esbuild"
		if _, err := os.Stat(tc.ESBuild); err != nil {
			if _, err := os.Stat("/usr/local/bin/esbuild"); err == nil {
				tc.ESBuild = "/usr/local/bin/esbuild"
			}
		}
	}
	if tc.Go == "" {
		tc.Go = "/usr/local/go/bin/go"
	}
	if tc.GoCache == "" {
		tc.GoCache = DefaultGoCache
	}
	return tc
}

// CompileError is a submission its compiler refused (esbuild for TypeScript, go build for Go).
// RunTests reports it as a compile_error verdict on every test, not as an error.
type CompileError struct {
	// Message is the compiler's output, or what stopped the compiler.
	Message string
}

func (e *CompileError) Error() string { return "compile error: " + e.Message }

// executable is a submission ready for its tests: what each test's sandbox holds and runs.
type executable struct {
	files []File
	argv  []string
}

// language is how submissions in one programming language run.
type language struct {
	// check reports a missing toolchain before anything runs.
	check func(tc Toolchain) error
	// prepare makes the executable each test runs, compiling once in the sandbox when the
	// language needs it; a *CompileError is the compiler refusing the code.
	prepare func(ctx context.Context, r Runner, tc Toolchain, s *Submission, compile Limits) (executable, error)
	// remote is the program for drivers that compile and run source themselves (Judge0).
	remote func(s *Submission) (Program, error)
	// outOfMemory are what the runtime prints when it gives up for lack of memory before the
	// cgroup's OOM killer strikes: the test ran out of memory, it did not crash.
	outOfMemory []string
}

// languages are the languages the sandbox runs, by the names of domain.Languages.
var languages = map[string]*language{
	"python": {
		check:       func(tc Toolchain) error { return needFile("python3", tc.Python) },
		prepare:     preparePython,
		remote:      remotePython,
		outOfMemory: []string{"MemoryError"},
	},
	"javascript": {
		check:       func(tc Toolchain) error { return needFile("node", tc.Node) },
		prepare:     prepareJavaScript,
		remote:      remoteJavaScript,
		outOfMemory: []string{"JavaScript heap out of memory"},
	},
	"typescript": {
		check: func(tc Toolchain) error {
			return errors.Join(needFile("node", tc.Node), needFile("esbuild", tc.ESBuild))
		},
		prepare:     prepareTypeScript,
		remote:      remoteTypeScript,
		outOfMemory: []string{"JavaScript heap out of memory"},
	},
	"go": {
		check: func(tc Toolchain) error {
			if err := needFile("go", tc.Go); err != nil {
				return err
			}
			if _, err := os.Stat(filepath.Join(tc.GoCache, goCacheStamp)); err != nil {
				return fmt.Errorf("%w: the Go standard-library cache is not prepared in %s (without it every Go run compiles the standard library, ~11 s): run .ci/ensure-languages",
					ErrUnavailable, tc.GoCache)
			}
			freshenGoTrim(tc.GoCache)
			return nil
		},
		prepare:     prepareGo,
		remote:      remoteGo,
		outOfMemory: []string{"runtime: out of memory"},
	},
}

// freshenGoTrim keeps the Go cache's trim.txt under a day old. go build trims its cache when
// that file says the last trim is over a day old: in the sandbox, where the cache is read-only,
// that is a walk over every entry, ~30 ms, on every build. Errors are ignored: a server that
// cannot write there only builds a little slower.
func freshenGoTrim(dir string) {
	file := filepath.Join(dir, "trim.txt")
	data, err := os.ReadFile(file)
	if err == nil {
		if last, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil &&
			time.Since(time.Unix(last, 0)) < 12*time.Hour && time.Until(time.Unix(last, 0)) < time.Minute {
			return
		}
	}
	tmp := file + ".new"
	if os.WriteFile(tmp, []byte(strconv.FormatInt(time.Now().Unix(), 10)), 0o644) == nil {
		_ = os.Rename(tmp, file)
	}
}

// needFile reports a toolchain program missing from the host.
func needFile(what, file string) error {
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("%w: %s is not installed at %s: run .ci/ensure-languages", ErrUnavailable, what, file)
	}
	return nil
}

// plainFileName is a file name safe to use in the sandbox as it is.
var plainFileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)

// sourceName is the name the candidate's file takes in the sandbox: their own, so that errors
// and tracebacks name the file they edit, unless it is not a plain name with the language's
// extension, or could be taken for something else (a harness, a Go test or platform file).
func sourceName(fileName, ext string) string {
	base := path.Base(strings.ReplaceAll(fileName, `\`, "/"))
	ok := plainFileName.MatchString(base) && strings.HasSuffix(base, ext) && len(base) > len(ext) &&
		!strings.HasPrefix(base, "interviewlm")
	if ok && ext == ".go" {
		// go build reads _test, _linux, _arm64 and the like as build constraints.
		ok = !strings.Contains(base, "_")
	}
	if !ok {
		return "solution" + ext
	}
	return base
}

// fillHarness puts the entrypoint and the solution's file name into a harness. Both are
// plain names (an identifier, a sourceName), so no quoting is needed.
func fillHarness(harness, entrypoint, solution string) string {
	return strings.NewReplacer("__ENTRYPOINT__", entrypoint, "__SOLUTION__", solution).Replace(harness)
}

func pythonArgv(tc Toolchain, script string) []string {
	// -I: no environment variables, user site or script directory on sys.path, so that a
	// candidate's json.py cannot stand in for the harness's json; -X utf8 whatever the locale.
	return []string{tc.Python, "-I", "-B", "-X", "utf8", script}
}

func preparePython(_ context.Context, _ Runner, tc Toolchain, s *Submission, _ Limits) (executable, error) {
	name := sourceName(s.FileName, ".py")
	files := []File{{Path: name, Content: []byte(s.Code)}}
	if s.Mode == domain.TestModeStdio {
		return executable{files: files, argv: pythonArgv(tc, name)}, nil
	}
	files = append(files, File{Path: harnessPythonName, Content: []byte(fillHarness(harnessPython, s.Entrypoint, name))})
	return executable{files: files, argv: pythonArgv(tc, harnessPythonName)}, nil
}

func remotePython(s *Submission) (Program, error) {
	if s.Mode == domain.TestModeStdio {
		return Program{Language: "python", Source: s.Code}, nil
	}
	return Program{
		Language: "python",
		Source:   fillHarness(harnessPython, s.Entrypoint, "solution.py"),
		Files:    []File{{Path: "solution.py", Content: []byte(s.Code)}},
	}, nil
}

// captureJS is appended to a JavaScript solution in function mode: a function declared at the
// top of a CommonJS module is not exported, but a line at the module's end can still see it.
func captureJS(entrypoint string) string {
	return fmt.Sprintf("\n;globalThis.__interviewlm = { entry: typeof %[1]s === \"undefined\" ? undefined : %[1]s, "+
		"Solution: typeof Solution === \"undefined\" ? undefined : Solution };\n", entrypoint)
}

func prepareJavaScript(_ context.Context, _ Runner, tc Toolchain, s *Submission, _ Limits) (executable, error) {
	name := sourceName(s.FileName, ".js")
	return nodeExecutable(tc, s, name, s.Code, false), nil
}

// nodeExecutable runs JavaScript source named name with node, through the harness in
// function mode.
func nodeExecutable(tc Toolchain, s *Submission, name, js string, sourceMaps bool) executable {
	argv := []string{tc.Node}
	if sourceMaps {
		// Stack traces then point into the candidate's TypeScript, not esbuild's output.
		argv = append(argv, "--enable-source-maps")
	}
	if s.Mode == domain.TestModeStdio {
		return executable{files: []File{{Path: name, Content: []byte(js)}}, argv: append(argv, name)}
	}
	return executable{
		files: []File{
			{Path: name, Content: []byte(js + captureJS(s.Entrypoint))},
			{Path: harnessJSName, Content: []byte(fillHarness(harnessJS, s.Entrypoint, name))},
		},
		argv: append(argv, harnessJSName),
	}
}

func remoteJavaScript(s *Submission) (Program, error) {
	if s.Mode == domain.TestModeStdio {
		return Program{Language: "javascript", Source: s.Code}, nil
	}
	return Program{
		Language: "javascript",
		Source:   fillHarness(harnessJS, s.Entrypoint, "solution.js"),
		Files:    []File{{Path: "solution.js", Content: []byte(s.Code + captureJS(s.Entrypoint))}},
	}, nil
}

func prepareTypeScript(ctx context.Context, r Runner, tc Toolchain, s *Submission, compile Limits) (executable, error) {
	name := sourceName(s.FileName, ".ts")
	// esbuild runs in the sandbox too: it only parses, but it parses untrusted input.
	res, err := compileIn(ctx, r, []File{{Path: name, Content: []byte(s.Code)}}, Exec{
		Argv: []string{tc.ESBuild, name, "--format=cjs", "--platform=node", "--target=node18",
			"--charset=utf8", "--sourcemap=inline", "--log-level=error", "--color=false"},
		Limits: compile,
	})
	if err != nil {
		return executable{}, err
	}
	return nodeExecutable(tc, s, strings.TrimSuffix(name, ".ts")+".js", string(res.Stdout), true), nil
}

// remoteTypeScript: Judge0 compiles TypeScript itself, one file, so in function mode the
// harness runs at the end of the candidate's module, where the module's require is in scope
// of a direct eval.
func remoteTypeScript(s *Submission) (Program, error) {
	if s.Mode == domain.TestModeStdio {
		return Program{Language: "typescript", Source: s.Code}, nil
	}
	capture := strings.Replace(captureJS(s.Entrypoint), ";globalThis.", ";(globalThis as any).", 1)
	harness, err := json.Marshal(fillHarness(harnessJS, s.Entrypoint, ""))
	if err != nil {
		return Program{}, err
	}
	return Program{Language: "typescript", Source: s.Code + capture + "eval(" + string(harness) + ");\n"}, nil
}

func prepareGo(ctx context.Context, r Runner, tc Toolchain, s *Submission, compile Limits) (executable, error) {
	name := sourceName(s.FileName, ".go")
	src := composeGo(s.Code, s.Mode, s.Entrypoint)
	res, err := compileIn(ctx, r, []File{{Path: name, Content: []byte(src)}}, Exec{
		// The binary comes back on stdout, since a run's files do not outlive it; through cat,
		// as go build cannot open /dev/stdout, a pipe the sandbox's user does not own.
		Argv: []string{"/bin/sh", "-c", `"$0" build -o /tmp/prog -ldflags="-s -w" "$1" && exec cat /tmp/prog`, tc.Go, name},
		Env: map[string]string{
			"GOCACHE":     goCacheTarget,
			"CGO_ENABLED": "0", // as the cache was built; and no C compiler is reachable
			"GOTOOLCHAIN": "local",
			"GOPROXY":     "off",
			"GOFLAGS":     "",
			"GOENV":       "off",
		},
		Mounts: []Mount{{Source: tc.GoCache, Target: goCacheTarget}},
		Limits: compile,
	})
	if err != nil {
		var ce *CompileError
		if errors.As(err, &ce) {
			ce.Message = tidyGoErrors(ce.Message, name, s.Code, s.Entrypoint)
		}
		return executable{}, err
	}
	return executable{
		files: []File{{Path: goProgramName, Content: res.Stdout, Executable: true}},
		argv:  []string{"./" + goProgramName},
	}, nil
}

func remoteGo(s *Submission) (Program, error) {
	return Program{Language: "go", Source: composeGo(s.Code, s.Mode, s.Entrypoint)}, nil
}

// compileIn runs a compiler in the sandbox and returns its result when it succeeded; a
// *CompileError when it refused the code or was stopped.
func compileIn(ctx context.Context, r Runner, files []File, exec Exec) (Result, error) {
	res, err := r.Run(ctx, files, exec)
	if err != nil {
		return Result{}, err
	}
	switch res.Outcome {
	case OutcomeExited:
		if res.ExitCode == 0 && !res.Truncated {
			return res, nil
		}
		if res.ExitCode == 0 {
			return Result{}, &CompileError{Message: fmt.Sprintf("the compiled program is larger than %d bytes", exec.Limits.OutputBytes)}
		}
		msg := strings.TrimSpace(string(res.Stderr))
		if msg == "" {
			msg = fmt.Sprintf("the compiler exited with status %d", res.ExitCode)
		}
		return Result{}, &CompileError{Message: msg}
	case OutcomeTimeout:
		return Result{}, &CompileError{Message: fmt.Sprintf("compilation took longer than %s", exec.Limits.WallTime)}
	case OutcomeMemoryLimit:
		return Result{}, &CompileError{Message: fmt.Sprintf("compilation ran out of memory (%d MiB)", exec.Limits.MemoryBytes>>20)}
	case OutcomeOutputLimit:
		return Result{}, &CompileError{Message: fmt.Sprintf("the compiled program is larger than %d bytes", exec.Limits.OutputBytes)}
	case OutcomeSignaled:
		return Result{}, &CompileError{Message: "the compiler was killed by " + res.Signal + ": " + strings.TrimSpace(string(res.Stderr))}
	case OutcomeCompileError:
		return Result{}, &CompileError{Message: strings.TrimSpace(string(res.Stderr))}
	default:
		return Result{}, fmt.Errorf("sandbox: compiling: %s: %s", res.Outcome, strings.TrimSpace(string(res.Stderr)))
	}
}

// goHarnessParts are the harness's imports, written for one line, and its declarations.
type goHarnessParts struct {
	imports string
	body    string
}

// goHarness is the Go harness cut into its parts, once.
var goHarness = sync.OnceValue(func() goHarnessParts {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "harness.go", harnessGo, parser.ImportsOnly)
	if err != nil || len(f.Decls) == 0 {
		panic(fmt.Sprintf("sandbox: the embedded Go harness does not parse: %v", err))
	}
	specs := make([]string, len(f.Imports))
	for i, imp := range f.Imports {
		specs[i] = imp.Name.Name + " " + imp.Path.Value
	}
	start := fset.Position(f.Decls[len(f.Decls)-1].End()).Offset
	end := strings.Index(harnessGo, "// interviewlm:cut")
	if end < start {
		panic("sandbox: the embedded Go harness has no cut")
	}
	return goHarnessParts{
		imports: "import (" + strings.Join(specs, "; ") + ");",
		body:    harnessGo[start:end],
	}
})

// composeGo makes the candidate's code one buildable file of package main. A missing package
// clause (LeetCode style) is added and another package name replaced, on the clause's own
// line so that the compiler's line numbers stay the candidate's. In function mode the harness
// joins the same file (Judge0 compiles one file): its imports on that line, its declarations
// after the code, and the candidate's func main, if any, is renamed out of its way.
func composeGo(code string, mode domain.TestMode, entrypoint string) string {
	clause := "package main;"
	if mode == domain.TestModeFunction {
		clause += " " + goHarness().imports
	}
	fset := token.NewFileSet()
	var src string
	if f, err := parser.ParseFile(fset, "", code, parser.PackageClauseOnly); err == nil && f.Name != nil {
		start, end := fset.Position(f.Package).Offset, fset.Position(f.Name.End()).Offset
		src = code[:start] + clause + code[end:]
	} else {
		src = clause + " " + code
	}
	if mode != domain.TestModeFunction {
		return src
	}
	fset = token.NewFileSet()
	if f, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution); err == nil {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
				off := fset.Position(fd.Name.Pos()).Offset
				src = src[:off] + "interviewlmUserMain" + src[off+len("main"):]
				break
			}
		}
	}
	return src + "\n" + goHarness().body +
		"var interviewlmEntry interface{} = " + entrypoint + "\n\n" +
		"const interviewlmEntryName = " + strconv.Quote(entrypoint) + "\n"
}

// tidyGoErrors makes go build's output about the candidate's code: without the package
// header line, and with a missing entrypoint said as such rather than as an error in the
// harness's lines, which the candidate never wrote.
func tidyGoErrors(msg, name, code, entrypoint string) string {
	userLines := strings.Count(code, "\n") + 1
	lines := strings.Split(msg, "\n")
	out := lines[:0]
	for _, line := range lines {
		if strings.HasPrefix(line, "# ") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "./"+name+":"); ok {
			n, _, _ := strings.Cut(rest, ":")
			if ln, err := strconv.Atoi(n); err == nil && ln > userLines {
				if strings.HasSuffix(line, "undefined: "+entrypoint) {
					line = "the solution defines no function " + entrypoint + " (the tests call it)"
				} else {
					line = "in the test harness: " + line[strings.LastIndex(line, ": ")+2:]
				}
			}
		}
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
