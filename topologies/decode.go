package topologies

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads (with ReadFile: a regular file of at most MaxFileSize bytes)
// and parses the topology file at path; Topology.File is path. An invalid
// file yields an ErrorList holding every problem found.
func Load(path string) (*Topology, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes and validates a v1 topology. file names the input in error
// messages and becomes Topology.File. An invalid input yields an ErrorList
// holding every problem found, each with its line, column and field path.
func Parse(file string, data []byte) (*Topology, error) {
	d := &decoder{file: file, pos: map[string]Pos{}, bad: map[string]bool{}}
	if d.file == "" {
		d.file = "<input>"
	}
	root, ok := d.document(data)
	if !ok {
		return nil, d.errs.err()
	}
	t := d.topology(root)
	if t == nil {
		return nil, d.errs.err()
	}
	t.File = file
	c := &checker{file: d.file, pos: d.pos, bad: d.bad}
	c.check(t)
	d.errs = append(d.errs, c.errs...)
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// decoder walks a yaml.Node tree, collecting errors instead of stopping.
type decoder struct {
	file string
	errs ErrorList
	pos  map[string]Pos  // position of the value at each field path
	bad  map[string]bool // field paths whose value is missing or undecodable
}

var yamlLineRE = regexp.MustCompile(`^yaml: line ([0-9]+): (.*)$`)

// document parses the YAML text into the root mapping node.
func (d *decoder) document(data []byte) (root *yaml.Node, ok bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.add(1, 1, "", "empty topology; expected a mapping with name, version and nodes")
			return nil, false
		}
		d.syntax(err)
		return nil, false
	}
	var extra yaml.Node
	if err := safeDecode(dec, &extra); err == nil {
		d.add(extra.Line, extra.Column, "", "a topology file holds one YAML document; remove the second one (after ---)")
	} else if !errors.Is(err, io.EOF) {
		d.syntax(err)
	}
	if len(doc.Content) == 0 {
		d.add(1, 1, "", "empty topology; expected a mapping with name, version and nodes")
		return nil, false
	}
	return doc.Content[0], len(d.errs) == 0
}

// safeDecode runs the YAML decoder, turning a panic inside it into an error.
func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: internal error: %v", r)
		}
	}()
	return dec.Decode(n)
}

// syntax records a YAML syntax error; yaml.v3 reports only its line.
func (d *decoder) syntax(err error) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		d.add(line, 1, "", "YAML syntax error: "+m[2])
		return
	}
	d.add(1, 1, "", "YAML syntax error: "+strings.TrimPrefix(msg, "yaml: "))
}

// add records an error.
func (d *decoder) add(line, col int, path, msg string) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Col: col, Path: path, Msg: msg})
}

// errf records an error at n and marks path as undecodable.
func (d *decoder) errf(n *yaml.Node, path, format string, args ...any) {
	d.bad[path] = true
	d.add(n.Line, n.Column, path, fmt.Sprintf(format, args...))
}

// at records the position of the value at path.
func (d *decoder) at(n *yaml.Node, path string) {
	d.pos[path] = Pos{Line: n.Line, Col: n.Column}
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

// describe names what a node holds, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!int":
			return "the integer " + clip(n.Value)
		case "!!float":
			return "the number " + clip(n.Value)
		case "!!bool":
			return "the boolean " + clip(n.Value)
		}
		return fmt.Sprintf("%s %q", n.ShortTag(), n.Value)
	}
	return "an alias"
}

// join appends a key to a field path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends a list index to a field path.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// fields checks that n is a mapping of the kind obj (a key of objectKeys) and
// returns its values by key. It reports unknown, duplicate and missing keys,
// and returns nil when n is not a mapping.
func (d *decoder) fields(n *yaml.Node, path, obj string) map[string]*yaml.Node {
	keys := objectKeys[obj]
	if n.Kind != yaml.MappingNode {
		d.errf(n, path, "expected a mapping with keys %s, got %s", strings.Join(keys, ", "), describe(n))
		for _, k := range requiredKeys[obj] {
			d.bad[join(path, k)] = true
		}
		return nil
	}
	d.at(n, path)
	out := map[string]*yaml.Node{}
	first := map[string]*yaml.Node{}
	unknown := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		kpath := join(path, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			d.add(k.Line, k.Column, path, fmt.Sprintf("expected a key (one of %s), got %s", strings.Join(keys, ", "), describe(k)))
		case k.Value == "<<":
			d.add(k.Line, k.Column, kpath, "merge keys (<<) are not supported; write the keys out")
		case !contains(keys, k.Value):
			unknown = true
			d.add(k.Line, k.Column, kpath, fmt.Sprintf("unknown key %q%s valid keys: %s", k.Value,
				orDot(didYouMean(k.Value, keys)), strings.Join(keys, ", ")))
		case first[k.Value] != nil:
			f := first[k.Value]
			d.add(k.Line, k.Column, kpath, fmt.Sprintf("duplicate key %q; first set at line %d:%d", k.Value, f.Line, f.Column))
		default:
			first[k.Value] = k
			out[k.Value] = v
			d.at(v, kpath)
		}
	}
	if unknown {
		// An absent key may be the misspelt one: do not report its absence
		// again through the checks that use it.
		for _, k := range keys {
			if first[k] == nil {
				d.bad[join(path, k)] = true
			}
		}
	}
	for _, k := range requiredKeys[obj] {
		if out[k] == nil && first[k] == nil {
			hint, ok := missingHint[obj+"."+k]
			if !ok {
				hint = missingHint[k]
			}
			d.errf(n, join(path, k), "missing required key %q (%s)", k, hint)
		}
	}
	return out
}

// orDot ends a message part with the suggestion, or with a semicolon.
func orDot(suggestion string) string {
	if suggestion == "" {
		return ";"
	}
	return suggestion
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// str decodes a string value.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		return n.Value, true
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		d.errf(n, path, "expected a string, got %s; quote it: %q", describe(n), n.Value)
	} else {
		d.errf(n, path, "expected a string, got %s", describe(n))
	}
	return "", false
}

// integer decodes an integer value.
func (d *decoder) integer(n *yaml.Node, path string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var v int64
		if err := n.Decode(&v); err == nil && v >= -1<<31 && v < 1<<31 {
			return int(v), true
		}
		d.errf(n, path, "integer %s is out of range", clip(n.Value))
		return 0, false
	}
	d.errf(n, path, "expected an integer, got %s", describe(n))
	return 0, false
}

// list checks that n is a list and returns its items with aliases resolved.
func (d *decoder) list(n *yaml.Node, path, what string) ([]*yaml.Node, bool) {
	if n.Kind != yaml.SequenceNode {
		d.errf(n, path, "expected a list of %s, got %s", what, describe(n))
		return nil, false
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		items[i] = resolve(c)
	}
	return items, true
}
