package codequality

import (
	"unsafe"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// node is a Go copy of one tree-sitter node. The measures walk the tree many times and ask for
// fields and parents; copying once keeps those walks free of cgo calls and lets the C tree be
// closed before any measuring starts.
type node struct {
	kind      string
	field     string // the field this node fills in its parent, "" if none
	named     bool
	bad       bool // an ERROR node or a MISSING token inserted by error recovery
	startRow  int
	startCol  int
	endRow    int
	endCol    int
	startByte int
	endByte   int
	parent    *node
	children  []*node
}

// parse parses src with the grammar behind lang and returns the copied root.
func parse(parser *sitter.Parser, lang unsafe.Pointer, src []byte) *node {
	if err := parser.SetLanguage(sitter.NewLanguage(lang)); err != nil {
		// The grammars are pinned in go.mod, so an ABI mismatch is a build problem; report the
		// whole file as one error rather than crash the assessment.
		return &node{kind: "ERROR", bad: true, endByte: len(src)}
	}
	tree := parser.Parse(src, nil)
	if tree == nil {
		return &node{kind: "ERROR", bad: true, endByte: len(src)}
	}
	defer tree.Close()
	cursor := tree.Walk()
	defer cursor.Close()
	return copyTree(cursor)
}

// copyTree copies the cursor's subtree without recursion, so pathological nesting in a
// candidate's file cannot exhaust the stack.
func copyTree(cursor *sitter.TreeCursor) *node {
	root := copyNode(cursor.Node(), "")
	current := root
	if !cursor.GotoFirstChild() {
		return root
	}
	for {
		child := copyNode(cursor.Node(), cursor.FieldName())
		child.parent = current
		current.children = append(current.children, child)
		if cursor.GotoFirstChild() {
			current = child
			continue
		}
		for !cursor.GotoNextSibling() {
			if !cursor.GotoParent() || current == root {
				return root
			}
			current = current.parent
		}
	}
}

func copyNode(n *sitter.Node, field string) *node {
	start, end := n.StartPosition(), n.EndPosition()
	return &node{
		kind:      n.Kind(),
		field:     field,
		named:     n.IsNamed(),
		bad:       n.IsError() || n.IsMissing(),
		startRow:  int(start.Row),
		startCol:  int(start.Column),
		endRow:    int(end.Row),
		endCol:    int(end.Column),
		startByte: int(n.StartByte()),
		endByte:   int(n.EndByte()),
	}
}

func (n *node) text(src []byte) string {
	if n.startByte < 0 || n.endByte > len(src) || n.startByte > n.endByte {
		return ""
	}
	return string(src[n.startByte:n.endByte])
}

// child returns the first child filling field, or nil.
func (n *node) child(field string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.field == field {
			return c
		}
	}
	return nil
}

// all returns every child filling field, in source order.
func (n *node) all(field string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.field == field {
			out = append(out, c)
		}
	}
	return out
}

func (n *node) namedChildren() []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.named && c.kind != "comment" {
			out = append(out, c)
		}
	}
	return out
}

// firstOfKind returns the first node of kind in n's subtree, depth first, or nil.
func (n *node) firstOfKind(kind string) *node {
	if n == nil {
		return nil
	}
	if n.kind == kind {
		return n
	}
	for _, c := range n.children {
		if found := c.firstOfKind(kind); found != nil {
			return found
		}
	}
	return nil
}

func (n *node) parentKind() string {
	if n.parent == nil {
		return ""
	}
	return n.parent.kind
}
