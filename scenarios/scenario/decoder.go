package scenario

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/mcnlab/mcnlab/topologies"
)

// Decoder decodes files that hold scenario steps (training labs): it
// collects every problem with its file, line, column and field, as Parse
// does.
type Decoder struct{ d decoder }

// NewDecoder returns a decoder for the named file.
func NewDecoder(file string) *Decoder { return &Decoder{d: decoder{file: file}} }

// Document reads the file's single YAML document; nil if it is not YAML.
func (d *Decoder) Document(src []byte) *yaml.Node {
	d.d.src = src
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		d.d.errs = append(d.d.errs, &topologies.Error{File: d.d.file, Msg: "not YAML: " + err.Error()})
		return nil
	}
	if len(root.Content) == 0 {
		d.d.errs = append(d.d.errs, &topologies.Error{File: d.d.file, Msg: "empty file"})
		return nil
	}
	return root.Content[0]
}

// Fields checks that n is a mapping with only the allowed keys.
func (d *Decoder) Fields(n *yaml.Node, path string, allowed ...string) map[string]*yaml.Node {
	return d.d.fields(n, path, allowed)
}

// Str is a non-empty scalar.
func (d *Decoder) Str(n *yaml.Node, path string) string { return d.d.str(n, path) }

// Int is a non-negative integer scalar.
func (d *Decoder) Int(n *yaml.Node, path string) int {
	var v int
	if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil || v < 0 {
		d.d.errf(n, path, "%s is not a non-negative integer", describe(n))
	}
	return v
}

// Strings is a list of non-empty scalars.
func (d *Decoder) Strings(n *yaml.Node, path string) []string {
	if n.Kind != yaml.SequenceNode {
		d.d.errf(n, path, "want a list of strings, got %s", describe(n))
		return nil
	}
	out := make([]string, len(n.Content))
	for i, c := range n.Content {
		out[i] = d.d.str(c, index(path, i))
	}
	return out
}

// Topology reads a topology: field (a path relative to the file, or an
// inline mapping) into f, checking the topology; doc is where a missing
// one is reported.
func (d *Decoder) Topology(f *File, n, doc *yaml.Node) { d.d.topology(f, n, doc) }

// Step decodes one step; ok is false when it had a problem.
func (d *Decoder) Step(n *yaml.Node, path string) (Step, bool) { return d.d.step(n, path, false) }

// Errorf reports a problem at n.
func (d *Decoder) Errorf(n *yaml.Node, path, format string, args ...any) {
	d.d.errf(n, path, format, args...)
}

// Err is every problem found, or nil.
func (d *Decoder) Err() error {
	if len(d.d.errs) == 0 {
		return nil
	}
	return d.d.errs
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
