package codequality

import (
	"path"
	"strings"
	"unsafe"

	tsgo "github.com/tree-sitter/tree-sitter-go/bindings/go"
	tsjs "github.com/tree-sitter/tree-sitter-javascript/bindings/go"
	tspy "github.com/tree-sitter/tree-sitter-python/bindings/go"
	tsts "github.com/tree-sitter/tree-sitter-typescript/bindings/go"
)

type set map[string]bool

func setOf(kinds ...string) set {
	s := make(set, len(kinds))
	for _, k := range kinds {
		s[k] = true
	}
	return s
}

// language holds what differs between the grammars: which node kinds are functions, branches
// and blocks, and how names are declared. The tables are read-only after package init.
type language struct {
	name string
	// grammars maps a file extension to its grammar; "" is the grammar for files without one.
	grammars map[string]func() unsafe.Pointer
	// functions are node kinds with a body that Function entries are made for.
	functions set
	// lambdas are the function kinds that are expressions, whose parameters may be one letter.
	lambdas set
	// decisions each add one to the enclosing function's cyclomatic complexity.
	decisions set
	// logical are binary_expression operators that add one (short-circuit branches).
	logical set
	// blocks each add one level of nesting.
	blocks set
	// classes qualify the names of methods declared directly in them.
	classes set
	// imports are excluded from duplication: repeated import lists are not copy-paste.
	imports set
	// functionName names an expression function from where it is assigned ("" if anonymous).
	functionName func(fn *node, src []byte) string
	// params returns a function's parameter count and the nodes naming them.
	params func(fn *node, src []byte) (int, []*node)
	// declarations reports the identifiers declared by n (not functions, which walk handles).
	declarations func(n *node, emit func(id *node, kind identKind, ctx identContext))
	// conventions tells whether a name (leading/trailing "_", "$", "#" removed) follows the
	// language's style for its kind.
	conventions func(name string, kind identKind) bool
}

var languages = map[string]*language{
	"python":     pythonLanguage,
	"javascript": javascriptLanguage,
	"typescript": typescriptLanguage,
	"go":         goLanguage,
}

// grammarFor picks the grammar for a file name, or nil if the file belongs to another language.
func (l *language) grammarFor(name string) func() unsafe.Pointer {
	return l.grammars[strings.ToLower(path.Ext(name))]
}

var pythonLanguage = &language{
	name:      "python",
	grammars:  map[string]func() unsafe.Pointer{"": tspy.Language, ".py": tspy.Language, ".pyw": tspy.Language},
	functions: setOf("function_definition", "lambda"),
	lambdas:   setOf("lambda"),
	decisions: setOf("if_statement", "elif_clause", "for_statement", "while_statement", "except_clause",
		"except_group_clause", "conditional_expression", "boolean_operator", "if_clause", "case_clause"),
	blocks:  setOf("if_statement", "for_statement", "while_statement", "try_statement", "with_statement", "match_statement"),
	classes: setOf("class_definition"),
	imports: setOf("import_statement", "import_from_statement", "future_import_statement"),
	functionName: func(fn *node, src []byte) string {
		if p := fn.parent; p != nil && p.kind == "assignment" && fn.field == "right" {
			if left := p.child("left"); left != nil && left.kind == "identifier" {
				return left.text(src)
			}
		}
		return ""
	},
	params: func(fn *node, src []byte) (int, []*node) {
		count, names := 0, []*node(nil)
		for i, p := range fn.child("parameters").namedChildren() {
			if p.kind == "keyword_separator" || p.kind == "positional_separator" {
				continue
			}
			ids := patternNames(p)
			// The receiver of a method is not a parameter the caller passes.
			if i == 0 && len(ids) == 1 && fn.kind == "function_definition" {
				if name := ids[0].text(src); name == "self" || name == "cls" {
					continue
				}
			}
			count++
			names = append(names, ids...)
		}
		return count, names
	},
	declarations: func(n *node, emit func(*node, identKind, identContext)) {
		switch n.kind {
		case "class_definition":
			emitAll(emit, []*node{n.child("name")}, kindType, ctxPlain)
		case "assignment":
			emitAll(emit, patternNames(n.child("left")), kindVariable, ctxPlain)
		case "named_expression":
			emitAll(emit, []*node{n.child("name")}, kindVariable, ctxPlain)
		case "for_statement", "for_in_clause":
			emitAll(emit, patternNames(n.child("left")), kindVariable, ctxLoop)
		case "as_pattern_target":
			ctx := ctxPlain
			if n.parent != nil && n.parent.parentKind() == "except_clause" {
				ctx = ctxCatch
			}
			emitAll(emit, patternNames(n), kindVariable, ctx)
		}
	},
	conventions: func(name string, kind identKind) bool {
		switch kind {
		case kindType:
			return isPascal(name)
		case kindVariable:
			return isSnake(name) || isUpperSnake(name)
		default:
			return isSnake(name)
		}
	},
}

var javascriptLanguage = newJSLanguage("javascript", map[string]func() unsafe.Pointer{
	"": tsjs.Language, ".js": tsjs.Language, ".jsx": tsjs.Language, ".mjs": tsjs.Language, ".cjs": tsjs.Language,
})

// TypeScript projects keep some plain JavaScript (configs, scripts); it is measured with the
// JavaScript grammar rather than skipped.
var typescriptLanguage = newJSLanguage("typescript", map[string]func() unsafe.Pointer{
	"": tsts.LanguageTypescript, ".ts": tsts.LanguageTypescript, ".mts": tsts.LanguageTypescript,
	".cts": tsts.LanguageTypescript, ".tsx": tsts.LanguageTSX,
	".js": tsjs.Language, ".jsx": tsjs.Language, ".mjs": tsjs.Language, ".cjs": tsjs.Language,
})

func newJSLanguage(name string, grammars map[string]func() unsafe.Pointer) *language {
	return &language{
		name:      name,
		grammars:  grammars,
		functions: setOf("function_declaration", "generator_function_declaration", "method_definition", "function_expression", "function", "generator_function", "arrow_function"),
		lambdas:   setOf("function_expression", "function", "generator_function", "arrow_function"),
		decisions: setOf("if_statement", "for_statement", "for_in_statement", "while_statement", "do_statement",
			"switch_case", "catch_clause", "ternary_expression"),
		logical: setOf("&&", "||", "??"),
		blocks: setOf("if_statement", "for_statement", "for_in_statement", "while_statement", "do_statement",
			"try_statement", "switch_statement", "with_statement"),
		classes: setOf("class_declaration", "abstract_class_declaration", "class"),
		imports: setOf("import_statement"),
		functionName: func(fn *node, src []byte) string {
			p := fn.parent
			if p == nil {
				return ""
			}
			var target *node
			switch {
			case p.kind == "variable_declarator" && fn.field == "value":
				target = p.child("name")
			case p.kind == "assignment_expression" && fn.field == "right":
				target = p.child("left")
				if target != nil && target.kind == "member_expression" {
					target = target.child("property")
				}
			case p.kind == "pair" && fn.field == "value":
				target = p.child("key")
			case p.kind == "field_definition" && fn.field == "value":
				target = p.child("property")
			case p.kind == "public_field_definition" && fn.field == "value":
				target = p.child("name")
			}
			if target == nil {
				return ""
			}
			switch target.kind {
			case "identifier", "property_identifier", "private_property_identifier", "string":
				return strings.Trim(target.text(src), `"'`)
			}
			return ""
		},
		params: func(fn *node, _ []byte) (int, []*node) {
			if single := fn.child("parameter"); single != nil {
				return 1, patternNames(single)
			}
			count, names := 0, []*node(nil)
			for _, p := range fn.child("parameters").namedChildren() {
				ids := patternNames(p)
				if p.kind == "required_parameter" && len(ids) == 0 {
					continue // TypeScript's `this: T` annotation is not a parameter
				}
				count++
				names = append(names, ids...)
			}
			return count, names
		},
		declarations: func(n *node, emit func(*node, identKind, identContext)) {
			switch n.kind {
			case "class_declaration", "abstract_class_declaration", "class", "interface_declaration",
				"type_alias_declaration", "enum_declaration":
				emitAll(emit, []*node{n.child("name")}, kindType, ctxPlain)
			case "variable_declarator":
				ctx := ctxPlain
				if decl := n.parent; decl != nil && decl.field == "initializer" && decl.parentKind() == "for_statement" {
					ctx = ctxLoop
				}
				emitAll(emit, patternNames(n.child("name")), kindVariable, ctx)
			case "for_in_statement":
				emitAll(emit, patternNames(n.child("left")), kindVariable, ctxLoop)
			case "catch_clause":
				emitAll(emit, patternNames(n.child("parameter")), kindVariable, ctxCatch)
			}
		},
		conventions: func(name string, kind identKind) bool {
			switch kind {
			case kindType:
				return isPascal(name)
			case kindFunction:
				// PascalCase functions are constructors and React components.
				return isCamel(name) || isPascal(name)
			case kindVariable:
				return isCamel(name) || isPascal(name) || isUpperSnake(name)
			default:
				return isCamel(name)
			}
		},
	}
}

var goLanguage = &language{
	name:      "go",
	grammars:  map[string]func() unsafe.Pointer{"": tsgo.Language, ".go": tsgo.Language},
	functions: setOf("function_declaration", "method_declaration", "func_literal"),
	lambdas:   setOf("func_literal"),
	decisions: setOf("if_statement", "for_statement", "expression_case", "type_case", "communication_case"),
	logical:   setOf("&&", "||"),
	blocks:    setOf("if_statement", "for_statement", "expression_switch_statement", "type_switch_statement", "select_statement"),
	imports:   setOf("import_declaration", "package_clause"),
	functionName: func(fn *node, src []byte) string {
		list := fn.parent
		if list == nil || list.kind != "expression_list" || list.parent == nil {
			return ""
		}
		index := -1
		for i, c := range list.namedChildren() {
			if c == fn {
				index = i
			}
		}
		var names []*node
		switch decl := list.parent; decl.kind {
		case "short_var_declaration", "assignment_statement":
			names = decl.child("left").namedChildren()
		case "var_spec", "const_spec":
			names = decl.all("name")
		}
		if index >= 0 && index < len(names) && names[index].kind == "identifier" {
			return names[index].text(src)
		}
		return ""
	},
	params: func(fn *node, _ []byte) (int, []*node) {
		count, names := 0, []*node(nil)
		for _, p := range fn.child("parameters").namedChildren() {
			ids := p.all("name")
			count += max(1, len(ids))
			names = append(names, ids...)
		}
		return count, names
	},
	declarations: func(n *node, emit func(*node, identKind, identContext)) {
		switch n.kind {
		case "type_spec", "type_alias":
			emitAll(emit, []*node{n.child("name")}, kindType, ctxPlain)
		case "short_var_declaration":
			ctx := ctxPlain
			if n.parentKind() == "for_clause" {
				ctx = ctxLoop
			}
			emitAll(emit, n.child("left").namedChildren(), kindVariable, ctx)
		case "range_clause":
			emitAll(emit, n.child("left").namedChildren(), kindVariable, ctxLoop)
		case "var_spec", "const_spec":
			emitAll(emit, n.all("name"), kindVariable, ctxPlain)
		}
	},
	conventions: func(name string, kind identKind) bool {
		if kind == kindFunction && goTestFunc(name) {
			return true
		}
		return isMixedCaps(name)
	},
}

// goTestFunc allows the underscores `go test` naming permits (TestParse_EmptyInput).
func goTestFunc(name string) bool {
	for _, prefix := range []string{"Test", "Benchmark", "Example", "Fuzz"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// patternNames returns the identifiers a declaration target binds: a plain name, or the names
// inside destructuring and tuple patterns. Types, default values and object keys are skipped
// because they use names rather than declare them.
func patternNames(n *node) []*node {
	if n == nil {
		return nil
	}
	switch n.kind {
	case "identifier", "shorthand_property_identifier_pattern":
		return []*node{n}
	case "attribute", "subscript", "member_expression", "subscript_expression", "type", "type_annotation":
		return nil
	}
	var out []*node
	for _, c := range n.children {
		switch c.field {
		case "type", "value", "right", "default", "key", "return_type":
			// In `{key: name}` destructuring the pair's value is the name being bound.
			if n.kind != "pair_pattern" || c.field != "value" {
				continue
			}
		}
		out = append(out, patternNames(c)...)
	}
	return out
}

func emitAll(emit func(*node, identKind, identContext), ids []*node, kind identKind, ctx identContext) {
	for _, id := range ids {
		if id != nil {
			emit(id, kind, ctx)
		}
	}
}
