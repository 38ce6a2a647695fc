package topologies

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on what an error message shows, so that a huge or broken file
// gives a readable answer.
const (
	// MaxErrorsShown is how many problems ErrorList.Error lists before
	// it counts the rest.
	MaxErrorsShown = 50
	// MaxValueShown is how many bytes of a value (a quoted string, a
	// field path) a message shows before it gives the value's length.
	MaxValueShown = 80
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

// Error joins the problems, one per line: the first MaxErrorsShown, then
// a line counting the rest.
func (l ErrorList) Error() string {
	n := min(len(l), MaxErrorsShown)
	s := make([]string, n, n+1)
	for i, e := range l[:n] {
		s[i] = e.Error()
	}
	if rest := len(l) - n; rest > 0 {
		s = append(s, fmt.Sprintf("and %d more %s", rest, plural(rest, "error", "errors")))
	}
	return strings.Join(s, "\n")
}

// plural picks the singular or plural form for a count.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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

// err returns the list as an error, or nil when it is empty. It sorts the
// list and shortens long values in the messages (clipMessage).
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	for _, e := range l {
		e.Path = clip(e.Path)
		e.Msg = clipMessage(e.Msg)
	}
	l.sort()
	return l
}

// Quote quotes a value of a topology as its errors do, %q-style, the value
// cut after MaxValueShown bytes with its length ("aaaa"… (5000000 bytes)):
// for errors about a topology raised elsewhere (a node's exec command in a
// deploy error), so every message is bounded.
func Quote(s string) string { return clipMessage(strconv.Quote(s)) }

// clip shortens a value longer than MaxValueShown bytes to its first bytes
// (whole characters), an ellipsis and its length: "aaaa… (5000000 bytes)".
func clip(s string) string {
	if len(s) <= MaxValueShown {
		return s
	}
	return head(s) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// head is the first MaxValueShown bytes of s, cut at a character boundary.
func head(s string) string {
	n := MaxValueShown
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// clipMessage shortens every Go-quoted string (as %q writes them) in msg
// whose value is longer than MaxValueShown bytes to its first bytes, quoted,
// then an ellipsis and the value's length: "aaaa"… (5000000 bytes).
func clipMessage(msg string) string {
	if len(msg) <= MaxValueShown {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '"')
		if i < 0 {
			break
		}
		b.WriteString(msg[:i])
		msg = msg[i:]
		q, err := strconv.QuotedPrefix(msg)
		if err != nil {
			b.WriteByte('"')
			msg = msg[1:]
			continue
		}
		msg = msg[len(q):]
		v, err := strconv.Unquote(q)
		if err != nil || len(v) <= MaxValueShown {
			b.WriteString(q)
			continue
		}
		fmt.Fprintf(&b, "%q… (%d bytes)", head(v), len(v))
	}
	b.WriteString(msg)
	return b.String()
}
