package topologies

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a topology file, with its position and field path.
type Error struct {
	File      string // file name as given to Parse or Load
	Line, Col int    // 1-based; 0 when unknown (topologies built in Go)
	Path      string // field path such as nodes.h1.routes[0].via; "" for syntax errors
	Msg       string // what is wrong and what would be valid
}

// Error formats the problem as "FILE:LINE:COL: PATH: MSG", leaving out the
// parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d:%d", e.Line, e.Col)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one topology, sorted by position.
type ErrorList []*Error

// Error joins the problems, one per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// sort orders the list by line, then column, then path; the sort is stable
// so that problems found at the same place keep the order they were found in.
func (l ErrorList) sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Path < b.Path
	})
}

// err returns the list as an error, or nil when it is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	l.sort()
	return l
}
