package codequality

import (
	"regexp"
	"strings"
)

// identKind is what a declared identifier names; conventions differ by kind.
type identKind int

const (
	kindFunction identKind = iota
	kindParam
	kindVariable
	kindType
)

func (k identKind) String() string {
	return [...]string{"function", "parameter", "variable", "type"}[k]
}

// identContext is where a name is declared; short names are idiomatic in some places.
type identContext int

const (
	ctxPlain identContext = iota
	ctxParam
	ctxLoop     // loop and comprehension variables
	ctxLambda   // parameters of lambdas, arrow functions and function literals
	ctxReceiver // Go method receivers
	ctxCatch    // caught exceptions
)

// The naming rule. A declared name (function, parameter, variable, class/type) is good when,
// with leading and trailing "_", "$" and "#" removed:
//
//  1. it follows the language's convention for its kind: Python snake_case (variables may also
//     be UPPER_SNAKE constants, classes PascalCase); JavaScript/TypeScript camelCase parameters,
//     camelCase or PascalCase functions, camelCase, PascalCase or UPPER_SNAKE variables,
//     PascalCase classes/interfaces/types/enums; Go mixedCaps (no underscores, except in
//     Test/Benchmark/Example/Fuzz functions); and
//  2. it is descriptive: not a placeholder (foo, bar, tmp, temp, dummy, stuff, ...), not a
//     placeholder or a letter with digits appended (tmp2, a1; x1 and y2 are fine), and at least
//     three letters long unless it is a common short word (id, ok, db, fn, dp, ...) or one of
//     i, j, k, n, m, x, y, z. Any single letter is fine for a loop variable, a lambda/arrow/
//     function-literal parameter, a caught exception, a Go receiver (one or two letters) and a
//     Go parameter, where short names are idiomatic.
//
// Each name counts once per scope (file level or a function), where it is first declared.
var (
	snakeCase      = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	upperSnakeCase = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)
	camelCase      = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	pascalCase     = regexp.MustCompile(`^[A-Z][a-zA-Z0-9]*$`)
	mixedCaps      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
)

func isSnake(s string) bool      { return snakeCase.MatchString(s) }
func isUpperSnake(s string) bool { return upperSnakeCase.MatchString(s) }
func isCamel(s string) bool      { return camelCase.MatchString(s) }
func isPascal(s string) bool     { return pascalCase.MatchString(s) }
func isMixedCaps(s string) bool  { return mixedCaps.MatchString(s) }

// placeholders are names that say nothing about the value they hold.
var placeholders = setOf("foo", "bar", "baz", "qux", "quux", "foobar", "tmp", "temp", "dummy", "asdf",
	"qwe", "qwerty", "blah", "stuff", "thing", "things", "xxx", "yyy", "zzz", "aaa", "bbb", "abc", "xyz")

// shortNames are accepted anywhere despite being shorter than three letters.
var shortNames = setOf("i", "j", "k", "n", "m", "x", "y", "z",
	"id", "ok", "db", "fn", "cb", "io", "os", "ip", "op", "fs", "wg", "mu", "tx", "rx", "ch", "el", "ev",
	"xs", "ys", "dp", "dx", "dy", "to", "at", "by", "up", "ui", "px", "ms", "ns", "pi", "re", "lo", "hi")

// goodName applies the naming rule above.
func (l *language) goodName(raw string, kind identKind, ctx identContext) bool {
	name := strings.Trim(raw, "_$#")
	if name == "" {
		return true
	}
	if !l.conventions(name, kind) {
		return false
	}
	lower := strings.ToLower(name)
	stem := strings.TrimRight(lower, "0123456789")
	if placeholders[lower] || placeholders[stem] {
		return false
	}
	if len(name) == 1 {
		switch {
		case shortNames[lower], ctx == ctxLoop, ctx == ctxLambda, ctx == ctxCatch, ctx == ctxReceiver:
			return true
		case l == goLanguage && ctx == ctxParam:
			return true
		}
		return false
	}
	if len(name) == 2 && ctx == ctxReceiver {
		return true
	}
	return len(stem) >= 3 || shortNames[stem]
}
