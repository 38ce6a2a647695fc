package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mcnlab/mcnlab/topologies"
)

// Load reads and checks a scenario file.
func Load(path string) (*File, error) {
	src, err := topologies.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// Parse decodes and checks a scenario file's bytes. Every problem is
// reported, as a topologies.ErrorList, with its file, line, column and
// field, and what would be valid. A topology named by path is read and
// checked too; an inline one is checked where it stands.
func Parse(path string, src []byte) (*File, error) {
	d := &decoder{file: path, src: src}
	f := &File{Path: path}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, topologies.ErrorList{{File: path, Msg: "empty scenario file (want name, topology and steps)"}}
		}
		return nil, topologies.ErrorList{{File: path, Msg: "not YAML: " + err.Error()}}
	}
	doc := root.Content[0]
	fields := d.fields(doc, "", []string{"name", "description", "topology", "steps"})
	if fields == nil {
		return nil, d.errs
	}
	f.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if n := fields["name"]; n != nil {
		f.Name = d.str(n, "name")
	}
	if n := fields["description"]; n != nil {
		f.Description = d.str(n, "description")
	}
	d.topology(f, fields["topology"], doc)
	steps := fields["steps"]
	switch {
	case steps == nil:
		d.errf(doc, "steps", "missing: a scenario needs a list of steps (deploy, then faults and assertions)")
	case steps.Kind != yaml.SequenceNode || len(steps.Content) == 0:
		d.errf(steps, "steps", "want a non-empty list of steps")
	default:
		for i, n := range steps.Content {
			if s, ok := d.step(n, fmt.Sprintf("steps[%d]", i), false); ok {
				f.Steps = append(f.Steps, s)
			}
		}
		d.order(f, steps)
	}
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	return f, nil
}

// topology reads the topology: field, a path or an inline mapping, and
// checks the topology it names.
func (d *decoder) topology(f *File, n, doc *yaml.Node) {
	switch {
	case n == nil:
		d.errf(doc, "topology", "missing: name a topology file (relative to this file) or write one inline")
	case n.Kind == yaml.ScalarNode:
		p := n.Value
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(f.Path), p)
		}
		f.Topology = p
		if _, err := topologies.Load(p); err != nil {
			d.errf(n, "topology", "%s", err)
		}
	case n.Kind == yaml.MappingNode:
		b, line, col := d.inline(n)
		f.Inline = b
		f.Topology = f.Path
		if _, err := topologies.Parse(d.file, b); err != nil {
			d.shifted(err, line, col)
		}
	default:
		d.errf(n, "topology", "want a file name or a mapping, got %s", describe(n))
	}
}

// inline returns an inline topology's own lines, dedented, and where
// they start in the file (0-based line and column offsets), so that its
// errors point into the file; a flow-style mapping, re-encoded, points at
// its first line.
func (d *decoder) inline(n *yaml.Node) (src []byte, line, col int) {
	if n.Style&yaml.FlowStyle != 0 || d.src == nil {
		b, _ := yaml.Marshal(n)
		return b, n.Line - 1, n.Column - 1
	}
	lines := strings.Split(string(d.src), "\n")
	start, indent := n.Line-1, n.Column-1
	end := start + 1
	for ; end < len(lines); end++ {
		l := lines[end]
		t := strings.TrimLeft(l, " ")
		if t != "" && !strings.HasPrefix(t, "#") && len(l)-len(t) < indent {
			break
		}
	}
	var b strings.Builder
	for _, l := range lines[start:end] {
		if len(l) >= indent {
			l = l[indent:]
		} else {
			l = strings.TrimLeft(l, " ")
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return []byte(b.String()), start, indent
}

// shifted reports an inline topology's errors at their places in the
// file.
func (d *decoder) shifted(err error, line, col int) {
	var el topologies.ErrorList
	if !errors.As(err, &el) {
		d.errs = append(d.errs, &topologies.Error{File: d.file, Line: line + 1, Col: col + 1, Path: "topology", Msg: err.Error()})
		return
	}
	for _, e := range el {
		c := *e
		c.File = d.file
		if c.Line > 0 {
			c.Line += line
			c.Col += col
		} else {
			c.Line, c.Col = line+1, col+1
		}
		c.Path = join("topology", c.Path)
		d.errs = append(d.errs, &c)
	}
}

// order checks that the first step deploys and no other does.
func (d *decoder) order(f *File, steps *yaml.Node) {
	for i, s := range f.Steps {
		if s.Deploy && i > 0 {
			d.errf(steps.Content[i], fmt.Sprintf("steps[%d]", i), "deploy must be the first step, and only once")
		}
	}
	if len(f.Steps) > 0 && !f.Steps[0].Deploy {
		d.errf(steps.Content[0], "steps[0]", "the first step must be deploy")
	}
}

// decoder collects the problems of one file.
type decoder struct {
	file string
	src  []byte // the file's bytes, for inline topologies' positions
	errs topologies.ErrorList
}

func (d *decoder) errf(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &topologies.Error{File: d.file, Line: n.Line, Col: n.Column, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// describe names a node's kind for a message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "an alias"
}

// fields checks that n is a mapping with only the allowed keys, each once,
// and returns its values by key; nil when n is not a mapping.
func (d *decoder) fields(n *yaml.Node, path string, allowed []string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		d.errf(n, path, "want a mapping with %s, got %s", strings.Join(allowed, ", "), describe(n))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(allowed, k.Value):
			d.errf(k, join(path, k.Value), "unknown field (valid: %s)", strings.Join(allowed, ", "))
		case out[k.Value] != nil:
			d.errf(k, join(path, k.Value), "given twice")
		default:
			out[k.Value] = v
		}
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// str is a scalar's value; a non-scalar is an error.
func (d *decoder) str(n *yaml.Node, path string) string {
	if n.Kind != yaml.ScalarNode || n.Value == "" {
		d.errf(n, path, "want a non-empty string, got %s", describe(n))
		return ""
	}
	return n.Value
}

// duration parses a duration such as 500ms or 5s; zero is refused.
func (d *decoder) duration(n *yaml.Node, path string) time.Duration {
	v, err := time.ParseDuration(d.str(n, path))
	if n.Kind == yaml.ScalarNode && (err != nil || v <= 0) {
		d.errf(n, path, "%s is not a positive duration (valid: 500ms, 5s, 1m)", describe(n))
		return 0
	}
	return v
}

// port parses a TCP/UDP port, 1-65535.
func (d *decoder) port(n *yaml.Node, path string) uint16 {
	v, err := strconv.ParseUint(n.Value, 10, 16)
	if n.Kind != yaml.ScalarNode || err != nil || v == 0 {
		d.errf(n, path, "%s is not a port (valid: 1-65535)", describe(n))
	}
	return uint16(v)
}

// prefix parses a CIDR prefix in its canonical form.
func (d *decoder) prefix(n *yaml.Node, path string) netip.Prefix {
	p, err := netip.ParsePrefix(d.str(n, path))
	switch {
	case n.Kind != yaml.ScalarNode:
	case err != nil:
		d.errf(n, path, "%s is not a prefix (valid: 10.1.0.0/16)", describe(n))
	case p != p.Masked():
		d.errf(n, path, "%s has host bits set (did you mean %s?)", describe(n), p.Masked())
	}
	return p
}

// oneOf checks a scalar against a list of words.
func (d *decoder) oneOf(n *yaml.Node, path string, words ...string) string {
	v := d.str(n, path)
	if n.Kind == yaml.ScalarNode && !slices.Contains(words, v) {
		d.errf(n, path, "%s is not one of %s", describe(n), strings.Join(words, ", "))
		return ""
	}
	return v
}

// required reports the missing required keys of a step's mapping.
func (d *decoder) required(n *yaml.Node, path string, m map[string]*yaml.Node, keys ...string) bool {
	ok := true
	for _, k := range keys {
		if m[k] == nil {
			d.errf(n, path, "missing %s", k)
			ok = false
		}
	}
	return ok
}
