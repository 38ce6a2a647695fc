package scenario

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// TestSchema: the schema compiles, names every step kind there is, every
// scenario of the regression suite validates against it, and a step of
// an unknown kind or a reach with a wrong verdict does not.
func TestSchema(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var raw struct {
		Defs map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &raw); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, d := range []string{"action", "assertion"} {
		for k := range raw.Defs[d].Properties {
			kinds = append(kinds, k)
		}
	}
	kinds = append(kinds, "deploy")
	want := slices.Clone(Kinds)
	slices.Sort(kinds)
	slices.Sort(want)
	if !slices.Equal(kinds, want) {
		t.Errorf("schema step kinds %v, want Kinds %v", kinds, want)
	}
	files, _ := filepath.Glob("../*.yaml")
	files = append(files, "testdata/broken.yaml")
	for _, f := range files {
		if err := sch.Validate(instance(t, f, nil)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, bad := range []string{"name: x\ntopology: t.yaml\nsteps: [deploy, {reboot: gw1}]\n",
		"name: x\ntopology: t.yaml\nsteps: [deploy, {reach: {from: a, to: b, expect: maybe}}]\n"} {
		if err := sch.Validate(instance(t, "", []byte(bad))); err == nil {
			t.Errorf("validated:\n%s", bad)
		}
	}
}

// instance reads a YAML file (or src) as the JSON value an editor checks.
func instance(t *testing.T, file string, src []byte) any {
	t.Helper()
	if src == nil {
		var err error
		if src, err = os.ReadFile(file); err != nil {
			t.Fatal(err)
		}
	}
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}
