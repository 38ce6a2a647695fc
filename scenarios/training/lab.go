package training

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mcnlab/mcnlab/scenarios/labs"
	"github.com/mcnlab/mcnlab/scenarios/scenario"
	"github.com/mcnlab/mcnlab/topologies"
)

// Chapters are the chapters of the study notes
// (../shared/background/ace-prep-notes.txt) that labs map to, in order.
var Chapters = []string{
	"public-cloud-basics", "aws-networking", "azure-networking", "gcp-networking", "oci-networking",
	"cloud-core", "cloud-security", "cloud-access", "cloud-operations",
}

// Lab is one training lab.
type Lab struct {
	// Name is the lab's name (its file's base name); Chapter one of
	// Chapters; Title a line; Task the statement the student reads.
	Name, Chapter, Title, Task string
	// Hints are shown one at a time.
	Hints []string
	// Scenario holds the topology and, as its steps, deploy and the setup
	// that makes the starting state.
	Scenario *scenario.File
	// Objectives grade the student's work.
	Objectives []Objective
	// Solution is the reference solution's steps.
	Solution []scenario.Step
}

// Objective is one graded objective: a check and its points. The check
// is an assertion, or an exec step whose command's exit status grades it.
type Objective struct {
	Name   string
	Points int
	Check  scenario.Step
}

// Total is the lab's full points.
func (l *Lab) Total() int {
	n := 0
	for _, o := range l.Objectives {
		n += o.Points
	}
	return n
}

// LabName is the name of the running lab of training lab name.
func LabName(name string) string { return "t-" + name }

// maxName leaves room for LabName's prefix in a lab name.
const maxName = topologies.MaxLabName - 2

// Load reads the lab called name from the embedded labs.
func Load(name string) (*Lab, error) {
	all, err := List()
	if err != nil {
		return nil, err
	}
	for _, l := range all {
		if l.Name == name {
			return l, nil
		}
	}
	names := make([]string, len(all))
	for i, l := range all {
		names[i] = l.Name
	}
	return nil, fmt.Errorf("no training lab %q (there are: %s; `mcnlab lab list` says what each is)", name, strings.Join(names, ", "))
}

// List reads every embedded lab, in chapter order, then by name.
func List() ([]*Lab, error) {
	files, err := fs.Glob(labs.Files, "*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*Lab
	var errs topologies.ErrorList
	for _, f := range files {
		src, err := labs.Files.ReadFile(f)
		if err != nil {
			return nil, err
		}
		l, err := Parse(path.Join("scenarios/labs", f), src)
		if el, ok := err.(topologies.ErrorList); ok {
			errs = append(errs, el...)
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	slices.SortStableFunc(out, func(a, b *Lab) int {
		if c := slices.Index(Chapters, a.Chapter) - slices.Index(Chapters, b.Chapter); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// Parse decodes and checks a lab file. Its topology is inline, so that
// the lab is whole in its one file.
func Parse(file string, src []byte) (*Lab, error) {
	d := scenario.NewDecoder(file)
	doc := d.Document(src)
	if doc == nil {
		return nil, d.Err()
	}
	m := d.Fields(doc, "", "chapter", "title", "task", "hints", "topology", "setup", "objectives", "solution")
	if m == nil {
		return nil, d.Err()
	}
	name := strings.TrimSuffix(path.Base(file), path.Ext(file))
	l := &Lab{Name: name, Scenario: &scenario.File{Path: file, Name: name}}
	if len(name) > maxName {
		d.Errorf(doc, "", "lab name %q (the file's name) is longer than %d bytes", name, maxName)
	}
	for _, k := range []string{"chapter", "title", "task", "topology", "objectives", "solution"} {
		if m[k] == nil {
			d.Errorf(doc, k, "missing")
		}
	}
	if n := m["chapter"]; n != nil {
		if l.Chapter = d.Str(n, "chapter"); !slices.Contains(Chapters, l.Chapter) {
			d.Errorf(n, "chapter", "%q is not a chapter (valid: %s)", l.Chapter, strings.Join(Chapters, ", "))
		}
	}
	if n := m["title"]; n != nil {
		l.Title = d.Str(n, "title")
	}
	if n := m["task"]; n != nil {
		l.Task = d.Str(n, "task")
	}
	if n := m["hints"]; n != nil {
		l.Hints = d.Strings(n, "hints")
	}
	if n := m["topology"]; n != nil {
		if n.Kind != yaml.MappingNode {
			d.Errorf(n, "topology", "a training lab carries its topology inline, as a mapping")
		} else {
			d.Topology(l.Scenario, n, doc)
		}
	}
	l.Scenario.Steps = append([]scenario.Step{{Kind: "deploy", Deploy: true, Line: doc.Line}}, steps(d, m["setup"], "setup", false)...)
	l.Solution = steps(d, m["solution"], "solution", false)
	if n := m["objectives"]; n != nil {
		l.Objectives = objectives(d, n)
	}
	if err := d.Err(); err != nil {
		return nil, err
	}
	return l, nil
}

// steps decodes a list of steps: actions only (assertions false), or
// assertions only.
func steps(d *scenario.Decoder, n *yaml.Node, field string, assertions bool) []scenario.Step {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, field, "want a list of steps")
		return nil
	}
	var out []scenario.Step
	for i, c := range n.Content {
		p := fmt.Sprintf("%s[%d]", field, i)
		s, ok := d.Step(c, p)
		switch {
		case !ok:
		case s.Deploy:
			d.Errorf(c, p, "the lab deploys itself; %s takes no deploy", field)
		case s.IsAssertion() != assertions:
			d.Errorf(c, p, "%s is not an action (put checks in objectives)", s.Kind)
		default:
			out = append(out, s)
		}
	}
	return out
}

// objectives decodes the graded objectives.
func objectives(d *scenario.Decoder, n *yaml.Node) []Objective {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		d.Errorf(n, "objectives", "want a non-empty list of objectives (name, points, check)")
		return nil
	}
	var out []Objective
	for i, c := range n.Content {
		p := fmt.Sprintf("objectives[%d]", i)
		m := d.Fields(c, p, "name", "points", "check")
		if m == nil {
			continue
		}
		if m["name"] == nil || m["points"] == nil || m["check"] == nil {
			d.Errorf(c, p, "an objective needs name, points and check")
			continue
		}
		o := Objective{Name: d.Str(m["name"], p+".name"), Points: d.Int(m["points"], p+".points")}
		s, ok := d.Step(m["check"], p+".check")
		if ok && !s.IsAssertion() && s.Exec == nil {
			d.Errorf(m["check"], p+".check", "%s is not a check (valid: reach, connect, route, session, flightpath, capture, counter, exec)", s.Kind)
		}
		if o.Points == 0 {
			d.Errorf(m["points"], p+".points", "an objective is worth at least 1 point")
		}
		o.Check = s
		out = append(out, o)
	}
	return out
}
