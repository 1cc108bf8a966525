//go:build ignore

// This file is the function-mode harness for Go; it is not part of the service's build. The
// language layer puts its imports on the line of the candidate's package clause and its
// declarations after their code, in one file (Judge0 compiles main.go alone), renames their
// func main, and declares interviewlmEntry and interviewlmEntryName in place of the ones below
// the cut. The harness calls the entrypoint with the JSON array of arguments read from stdin and
// writes its return value as one line of JSON on stdout; whatever the candidate prints goes to
// stderr, so that it cannot be taken for the result. It keeps to Go 1.13, Judge0's default.
package main

import (
	interviewlmBytes "bytes"
	interviewlmJSON "encoding/json"
	interviewlmFmt "fmt"
	interviewlmIOUtil "io/ioutil"
	interviewlmOS "os"
	interviewlmReflect "reflect"
	interviewlmDebug "runtime/debug"
	interviewlmStrconv "strconv"
	interviewlmStrings "strings"
	interviewlmSyscall "syscall"
)

func main() {
	interviewlmOS.Exit(interviewlmRun())
}

func interviewlmFail(format string, args ...interface{}) int {
	interviewlmFmt.Fprintf(interviewlmOS.Stderr, "interviewlm: "+format+"\n", args...)
	return 1
}

func interviewlmRun() int {
	input, err := interviewlmIOUtil.ReadAll(interviewlmOS.Stdin)
	if err != nil {
		return interviewlmFail("reading the test's input: %v", err)
	}
	var raw []interviewlmJSON.RawMessage
	if len(interviewlmBytes.TrimSpace(input)) > 0 {
		if err := interviewlmJSON.Unmarshal(input, &raw); err != nil {
			return interviewlmFail("the test's input is not a JSON array of arguments: %v", err)
		}
	}

	resultFD, err := interviewlmSyscall.Dup(1)
	if err != nil {
		return interviewlmFail("dup: %v", err)
	}
	if err := interviewlmSyscall.Dup3(2, 1, 0); err != nil {
		return interviewlmFail("dup3: %v", err)
	}
	result := interviewlmOS.NewFile(uintptr(resultFD), "result")

	fn := interviewlmReflect.ValueOf(interviewlmEntry)
	if fn.Kind() != interviewlmReflect.Func {
		return interviewlmFail("%s is not a function", interviewlmEntryName)
	}
	args, err := interviewlmArgs(fn.Type(), raw)
	if err != nil {
		return interviewlmFail("%s: %v", interviewlmEntryName, err)
	}
	defer func() {
		if r := recover(); r != nil {
			interviewlmFmt.Fprintf(interviewlmOS.Stderr, "panic: %v\n\n%s", r, interviewlmStack())
			interviewlmOS.Exit(2)
		}
	}()
	out := fn.Call(args)
	errorType := interviewlmReflect.TypeOf((*error)(nil)).Elem()
	if n := len(out); n > 0 && fn.Type().Out(n-1) == errorType {
		if e := out[n-1]; !e.IsNil() {
			return interviewlmFail("%s returned an error: %v", interviewlmEntryName, e.Interface())
		}
		out = out[:n-1]
	}
	var value interface{}
	switch len(out) {
	case 0:
	case 1:
		value = interviewlmPlain(out[0])
	default:
		values := make([]interface{}, len(out))
		for i, v := range out {
			values[i] = interviewlmPlain(v)
		}
		value = values
	}

	var buf interviewlmBytes.Buffer
	enc := interviewlmJSON.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return interviewlmFail("%s returned a value with no JSON form: %v", interviewlmEntryName, err)
	}
	if _, err := result.Write(buf.Bytes()); err != nil {
		return interviewlmFail("writing the result: %v", err)
	}
	return 0
}

// interviewlmStack is the panicking goroutine's stack without the frames of the harness, of
// reflect and of the runtime's panic machinery: what is left is the candidate's code.
func interviewlmStack() string {
	lines := interviewlmStrings.Split(string(interviewlmDebug.Stack()), "\n")
	var b interviewlmStrings.Builder
	for i := 0; i < len(lines); i++ {
		fn := lines[i]
		if interviewlmStrings.HasPrefix(fn, "\t") || fn == "" {
			continue
		}
		frame := fn + "\n"
		if i+1 < len(lines) && interviewlmStrings.HasPrefix(lines[i+1], "\t") {
			frame += lines[i+1] + "\n"
			i++
		}
		switch {
		case interviewlmStrings.HasPrefix(fn, "goroutine "),
			interviewlmStrings.HasPrefix(fn, "runtime"),
			interviewlmStrings.HasPrefix(fn, "reflect."),
			interviewlmStrings.HasPrefix(fn, "panic("),
			interviewlmStrings.HasPrefix(fn, "main.interviewlm"),
			interviewlmStrings.HasPrefix(fn, "main.main("):
			continue
		}
		b.WriteString(frame)
	}
	return b.String()
}

// interviewlmArgs decodes each JSON argument into the type of the parameter it is passed as.
func interviewlmArgs(t interviewlmReflect.Type, raw []interviewlmJSON.RawMessage) ([]interviewlmReflect.Value, error) {
	n := t.NumIn()
	if t.IsVariadic() {
		if len(raw) < n-1 {
			return nil, interviewlmFmt.Errorf("takes at least %d arguments, the test gives %d", n-1, len(raw))
		}
	} else if len(raw) != n {
		return nil, interviewlmFmt.Errorf("takes %d arguments, the test gives %d", n, len(raw))
	}
	args := make([]interviewlmReflect.Value, len(raw))
	for i, r := range raw {
		var pt interviewlmReflect.Type
		if t.IsVariadic() && i >= n-1 {
			pt = t.In(n - 1).Elem()
		} else {
			pt = t.In(i)
		}
		p := interviewlmReflect.New(pt)
		if err := interviewlmJSON.Unmarshal(r, p.Interface()); err != nil {
			return nil, interviewlmFmt.Errorf("argument %d: %v", i+1, err)
		}
		args[i] = p.Elem()
	}
	return args, nil
}

// interviewlmPlain turns a return value into what the other languages' harnesses would write
// for it: a nil slice or map is an empty list or object, not null, since Go code returns nil
// for "nothing found" as naturally as Python returns [].
func interviewlmPlain(v interviewlmReflect.Value) interface{} {
	switch v.Kind() {
	case interviewlmReflect.Invalid:
		return nil
	case interviewlmReflect.Interface, interviewlmReflect.Ptr:
		if v.IsNil() {
			return nil
		}
		return interviewlmPlain(v.Elem())
	case interviewlmReflect.Slice, interviewlmReflect.Array:
		list := make([]interface{}, v.Len())
		for i := range list {
			list[i] = interviewlmPlain(v.Index(i))
		}
		return list
	case interviewlmReflect.Map:
		obj := make(map[string]interface{}, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			var key string
			switch k.Kind() {
			case interviewlmReflect.String:
				key = k.String()
			case interviewlmReflect.Int, interviewlmReflect.Int8, interviewlmReflect.Int16, interviewlmReflect.Int32, interviewlmReflect.Int64:
				key = interviewlmStrconv.FormatInt(k.Int(), 10)
			case interviewlmReflect.Uint, interviewlmReflect.Uint8, interviewlmReflect.Uint16, interviewlmReflect.Uint32, interviewlmReflect.Uint64:
				key = interviewlmStrconv.FormatUint(k.Uint(), 10)
			default:
				// Keys encoding/json knows how to write (encoding.TextMarshaler) or refuses.
				return v.Interface()
			}
			obj[key] = interviewlmPlain(iter.Value())
		}
		return obj
	}
	if v.CanInterface() {
		return v.Interface()
	}
	return nil
}

// interviewlm:cut — the language layer declares these for each submission.

var interviewlmEntry interface{}

const interviewlmEntryName = ""
