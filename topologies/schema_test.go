package topologies

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// compileSchema compiles Schema() with the draft 2020-12 validator.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compile schema.json: %v", err)
	}
	return sch
}

// yamlInstance reads a YAML file as the JSON value an editor would check.
func yamlInstance(t *testing.T, file string) any {
	t.Helper()
	var v any
	data := readFile(t, file)
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	js, err := json.Marshal(jsonable(v))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// jsonable turns yaml.v3's map[any]any into JSON objects with string keys.
func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = jsonable(x)
		}
		return v
	case map[any]any:
		m := map[string]any{}
		for k, x := range v {
			m[fmt.Sprint(k)] = jsonable(x)
		}
		return m
	case []any:
		for i, x := range v {
			v[i] = jsonable(x)
		}
	}
	return v
}

// TestSchemaAcceptsGood checks that every example and good file validates.
func TestSchemaAcceptsGood(t *testing.T) {
	sch := compileSchema(t)
	good, _ := filepath.Glob("testdata/good/*.yaml")
	examples, _ := filepath.Glob("*.yaml")
	for _, f := range append(good, examples...) {
		if err := sch.Validate(yamlInstance(t, f)); err != nil {
			t.Errorf("%s: schema rejects it: %v", f, err)
		}
	}
}

// TestSchemaRejectsBad checks that the schema catches shape errors too.
func TestSchemaRejectsBad(t *testing.T) {
	sch := compileSchema(t)
	for _, name := range []string{
		"unknown-keys", "wrong-types", "wrong-types-nested", "missing-required", "missing-nodes",
		"empty-nodes", "version", "bad-names", "names-too-long", "unknown-kind", "bad-rate",
		"mtu-range", "endpoints-count", "empty-exec",
		"cloud-unknown-keys", "cloud-missing-required", "cloud-wrong-types", "no-nodes-no-vpcs", "vpc-cidr",
		"transit-errors", "transit-peerings", "site-errors", "domain-errors", "domain-connections", "gateway-names",
		"reserved-asn", "quotas",
		"internet-addresses", "internet-dns", "internet-shape", "site2cloud-errors",
	} {
		f := "testdata/bad/" + name + ".yaml"
		if err := sch.Validate(yamlInstance(t, f)); err == nil {
			t.Errorf("%s: schema accepts it", f)
		}
	}
}

// TestSchemaMatchesDecoder checks that the schema and the decoder know the
// same keys, required keys and node kinds, so that they cannot drift.
func TestSchemaMatchesDecoder(t *testing.T) {
	var s struct {
		Ref  string `json:"$ref"`
		Defs map[string]struct {
			Properties           map[string]json.RawMessage `json:"properties"`
			Required             []string                   `json:"required"`
			AdditionalProperties *bool                      `json:"additionalProperties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Ref != "#/$defs/topology" {
		t.Errorf("schema root $ref = %q", s.Ref)
	}
	for obj, keys := range objectKeys {
		def, ok := s.Defs[obj]
		if !ok {
			t.Errorf("schema has no $defs/%s", obj)
			continue
		}
		var props []string
		for k := range def.Properties {
			props = append(props, k)
		}
		if !sameSet(props, keys) {
			t.Errorf("$defs/%s properties %v, decoder keys %v", obj, props, keys)
		}
		if !sameSet(def.Required, requiredKeys[obj]) {
			t.Errorf("$defs/%s required %v, decoder requires %v", obj, def.Required, requiredKeys[obj])
		}
		if def.AdditionalProperties == nil || *def.AdditionalProperties {
			t.Errorf("$defs/%s allows additional properties", obj)
		}
	}
	var kind struct {
		Enum []string `json:"enum"`
	}
	if err := json.Unmarshal(s.Defs["node"].Properties["kind"], &kind); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kind.Enum, kindNames()) {
		t.Errorf("schema kinds %v, decoder kinds %v", kind.Enum, kindNames())
	}
}

// sameSet reports whether a and b hold the same strings.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
