package codequality

import (
	"strings"
)

// anonymous names a function expression that is not assigned to a name and not inside another
// function. Anonymous functions inside a function are folded into it instead: a callback's
// branches are part of the reading burden of the function that contains it.
const anonymous = "<anonymous>"

// fileMeasures is what one file contributes to the report.
type fileMeasures struct {
	name        string
	functions   []*function
	idents      []identDecl
	parseErrors int
	firstError  int // 1-based line of the first error node
	lines       []string
	codeRows    []bool // by 0-based row: holds code
	importRows  []bool // by 0-based row: part of an import, ignored by duplication
}

// function is a Function plus what sorting and scoping need.
type function struct {
	Function
	column int
	scope  int // 1-based index in fileMeasures.functions; 0 is file scope
}

// identDecl is one declared identifier.
type identDecl struct {
	name   string
	kind   identKind
	ctx    identContext
	line   int
	column int
	scope  int
}

// walkState is what the walk carries down the tree.
type walkState struct {
	fn       *function // innermost measured function, nil at file level
	depth    int       // block nesting inside fn
	class    string    // class whose body we are directly in, for method names
	inImport bool
}

type walker struct {
	lang *language
	src  []byte
	out  *fileMeasures
	seen map[identKey]bool
}

type identKey struct {
	scope int
	name  string
}

func measureFile(lang *language, name string, src []byte, root *node) *fileMeasures {
	lines := strings.Split(string(src), "\n")
	out := &fileMeasures{
		name:       name,
		lines:      lines,
		codeRows:   make([]bool, len(lines)),
		importRows: make([]bool, len(lines)),
	}
	w := &walker{lang: lang, src: src, out: out, seen: map[identKey]bool{}}
	w.visit(root, walkState{})
	return out
}

func (w *walker) visit(n *node, st walkState) {
	if n.bad {
		w.out.parseErrors++
		if w.out.firstError == 0 {
			w.out.firstError = n.startRow + 1
		}
	}
	if n.kind == "comment" || (w.lang == pythonLanguage && isDocstring(n)) {
		return
	}
	if len(n.children) == 0 {
		w.markCode(n, st.inImport)
		return
	}
	if !n.named {
		w.visitChildren(n, st)
		return
	}
	if w.lang.imports[n.kind] {
		st.inImport = true
	}
	if w.lang.functions[n.kind] {
		w.visitFunction(n, st)
		return
	}
	if st.fn != nil {
		if w.isDecision(n) {
			st.fn.Complexity++
		}
		if w.lang.blocks[n.kind] && !isElseIf(n) {
			st.depth++
			st.fn.MaxNesting = max(st.fn.MaxNesting, st.depth)
		}
	}
	if w.lang.classes[n.kind] {
		st.class = ""
		if id := n.child("name"); id != nil {
			st.class = id.text(w.src)
		}
	}
	w.lang.declarations(n, func(id *node, kind identKind, ctx identContext) {
		w.declare(id, kind, ctx, st.fn)
	})
	w.visitChildren(n, st)
}

func (w *walker) visitChildren(n *node, st walkState) {
	for _, c := range n.children {
		w.visit(c, st)
	}
}

func (w *walker) visitFunction(n *node, st walkState) {
	name := ""
	id := n.child("name")
	if id != nil {
		name = strings.TrimPrefix(id.text(w.src), "#")
		if name != "constructor" {
			w.declare(id, kindFunction, ctxPlain, st.fn)
		}
	} else {
		name = w.lang.functionName(n, w.src)
	}
	paramCtx := ctxParam
	if w.lang.lambdas[n.kind] {
		paramCtx = ctxLambda
	}
	count, params := w.lang.params(n, w.src)
	if name == "" && st.fn != nil {
		for _, p := range params {
			w.declare(p, kindParam, paramCtx, st.fn)
		}
		w.visitChildren(n, walkState{fn: st.fn, depth: st.depth, inImport: st.inImport})
		return
	}
	switch {
	case name == "":
		name = anonymous
	case st.class != "":
		name = st.class + "." + name
	case n.child("receiver") != nil:
		if recv := n.child("receiver").firstOfKind("type_identifier"); recv != nil {
			name = recv.text(w.src) + "." + name
		}
	}
	fn := &function{
		Function: Function{
			Name:       name,
			File:       w.out.name,
			Line:       n.startRow + 1,
			Lines:      lastCodeRow(n) - n.startRow + 1,
			Complexity: 1,
			Params:     count,
		},
		column: n.startCol,
		scope:  len(w.out.functions) + 1,
	}
	w.out.functions = append(w.out.functions, fn)
	for _, p := range params {
		w.declare(p, kindParam, paramCtx, fn)
	}
	for _, p := range n.child("receiver").namedChildren() {
		for _, r := range p.all("name") {
			w.declare(r, kindParam, ctxReceiver, fn)
		}
	}
	w.visitChildren(n, walkState{fn: fn, inImport: st.inImport})
}

// lastCodeRow is the last row of n that is not a trailing comment: Python's grammar lets a
// function's block absorb the comments that follow it, which belong to the next definition.
func lastCodeRow(n *node) int {
	for i := len(n.children) - 1; i >= 0; i-- {
		if c := n.children[i]; c.kind != "comment" {
			return lastCodeRow(c)
		}
	}
	if n.endCol == 0 && n.endRow > n.startRow {
		return n.endRow - 1
	}
	return n.endRow
}

func (w *walker) isDecision(n *node) bool {
	if w.lang.decisions[n.kind] {
		return true
	}
	if n.kind == "binary_expression" {
		if op := n.child("operator"); op != nil {
			return w.lang.logical[op.kind]
		}
	}
	return false
}

// isElseIf tells whether an if statement is the else branch of another: `else if` chains read
// as one flat decision, so they do not nest deeper.
func isElseIf(n *node) bool {
	if n.kind != "if_statement" || n.parent == nil {
		return false
	}
	return n.parent.kind == "if_statement" || n.parent.kind == "else_clause"
}

// isDocstring tells whether n is a Python docstring: documentation, so not a code line.
func isDocstring(n *node) bool {
	if n.kind != "expression_statement" || n.parent == nil {
		return false
	}
	if k := n.parent.kind; k != "module" && k != "block" {
		return false
	}
	named := n.namedChildren()
	if len(named) != 1 || named[0].kind != "string" {
		return false
	}
	for _, sibling := range n.parent.children {
		if sibling == n {
			return true
		}
		if sibling.named && sibling.kind != "comment" {
			return false
		}
	}
	return false
}

// markCode marks the rows a token covers as code lines, skipping blank rows inside multi-line
// tokens such as long strings.
func (w *walker) markCode(n *node, inImport bool) {
	last := n.endRow
	if n.endCol == 0 && last > n.startRow {
		last-- // the token ends with a newline
	}
	for row := n.startRow; row <= last && row < len(w.out.lines); row++ {
		if strings.TrimSpace(w.out.lines[row]) == "" {
			continue
		}
		w.out.codeRows[row] = true
		if inImport {
			w.out.importRows[row] = true
		}
	}
}

// declare records a declared identifier once per scope: later assignments to the same name in
// the same function are uses, not new declarations.
func (w *walker) declare(id *node, kind identKind, ctx identContext, scope *function) {
	switch id.kind {
	case "identifier", "type_identifier", "field_identifier", "property_identifier",
		"private_property_identifier", "shorthand_property_identifier_pattern":
	default:
		return
	}
	name := id.text(w.src)
	if strings.Trim(name, "_") == "" {
		return // the blank identifier discards a value; there is nothing to name
	}
	key := identKey{name: name}
	if scope != nil {
		key.scope = scope.scope
	}
	if w.seen[key] {
		return
	}
	w.seen[key] = true
	w.out.idents = append(w.out.idents, identDecl{
		name: name, kind: kind, ctx: ctx, line: id.startRow + 1, column: id.startCol, scope: key.scope,
	})
}
