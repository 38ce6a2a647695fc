package layering

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
)

// The size limits of the module's Go files, tests included: a file longer
// than MaxFileLines, or a function longer than MaxFuncLines (from its
// signature to its closing brace), is to be split into parts named for
// what they do.
const (
	MaxFileLines = 800
	MaxFuncLines = 100
)

// CheckSize returns what in the Go source src (of file name) is over the
// size limits, one message each, naming the file, the function and its
// line; nothing when it fits. A file that does not parse is one message.
func CheckSize(name string, src []byte) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	var out []string
	if n := fset.File(f.Pos()).LineCount(); n > MaxFileLines {
		out = append(out, fmt.Sprintf("%s has %d lines; split it (at most %d)", name, n, MaxFileLines))
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		from, to := fset.Position(fd.Pos()).Line, fset.Position(fd.End()).Line
		if n := to - from + 1; n > MaxFuncLines {
			fn := fd.Name.Name
			if fd.Recv != nil && len(fd.Recv.List) == 1 {
				fn = fmt.Sprintf("(%s).%s", types(fd.Recv.List[0].Type), fn)
			}
			out = append(out, fmt.Sprintf("%s:%d: func %s has %d lines; split it (at most %d)", name, from, fn, n, MaxFuncLines))
		}
	}
	return out
}

// types renders a receiver type: T, *T, T[K].
func types(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return "*" + types(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return types(t.X)
	case *ast.IndexListExpr:
		return types(t.X)
	}
	return "?"
}
