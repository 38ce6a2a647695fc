package api

import (
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mcnlab/mcnlab/controller/store"
)

// doc is the part of an OpenAPI document that the tests read.
type doc struct {
	OpenAPI  string                          `yaml:"openapi"`
	Security []map[string][]string           `yaml:"security"`
	Paths    map[string]map[string]operation `yaml:"paths"`
	Comps    struct {
		SecuritySchemes map[string]struct {
			Type   string `yaml:"type"`
			Scheme string `yaml:"scheme"`
		} `yaml:"securitySchemes"`
		Responses map[string]any    `yaml:"responses"`
		Schemas   map[string]schema `yaml:"schemas"`
	} `yaml:"components"`
}

type operation struct {
	OperationID string                 `yaml:"operationId"`
	Security    *[]map[string][]string `yaml:"security"`
	Role        string                 `yaml:"x-role"`
	Responses   map[string]any         `yaml:"responses"`
}

type schema struct {
	Required   []string       `yaml:"required"`
	Properties map[string]any `yaml:"properties"`
}

func loadDoc(t *testing.T) doc {
	t.Helper()
	var d doc
	if err := yaml.Unmarshal(OpenAPI, &d); err != nil {
		t.Fatalf("openapi.yaml is not valid YAML: %v", err)
	}
	return d
}

func TestOpenAPIDocument(t *testing.T) {
	d := loadDoc(t)
	if !strings.HasPrefix(d.OpenAPI, "3.0.") {
		t.Errorf("openapi: %q, want 3.0.x", d.OpenAPI)
	}
	if bs := d.Comps.SecuritySchemes["bearer"]; bs.Type != "http" || bs.Scheme != "bearer" {
		t.Errorf("security scheme bearer: %+v", bs)
	}
	if len(d.Security) != 1 || d.Security[0]["bearer"] == nil {
		t.Errorf("global security %v, want [bearer]", d.Security)
	}
	// Every $ref points at something.
	var generic map[string]any
	if err := yaml.Unmarshal(OpenAPI, &generic); err != nil {
		t.Fatal(err)
	}
	walkRefs(generic, func(ref string) {
		name, ok := strings.CutPrefix(ref, "#/components/")
		kind, key, _ := strings.Cut(name, "/")
		comps, _ := generic["components"].(map[string]any)
		section, _ := comps[kind].(map[string]any)
		if _, found := section[key]; !ok || !found {
			t.Errorf("$ref %q resolves to nothing", ref)
		}
	})
}

func walkRefs(v any, f func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				f(s)
			}
			walkRefs(x, f)
		}
	case []any:
		for _, x := range v {
			walkRefs(x, f)
		}
	}
}

// TestRoutesMatchOpenAPI checks that the handler's routes and the
// document's operations are the same set, with the same roles, that every
// secured operation documents 401 and 403, and that the mux routes each
// documented operation to its pattern.
func TestRoutesMatchOpenAPI(t *testing.T) {
	d := loadDoc(t)
	h := newHandler(nil, nil)
	var inHandler, inDoc []string
	need := map[string]store.Role{}
	for _, rt := range h.routes {
		// A trailing {x...} wildcard is the document's {x}.
		k := rt.method + " " + strings.ReplaceAll(rt.path, "...}", "}")
		inHandler = append(inHandler, k)
		need[k] = rt.need
	}
	pattern := map[string]string{} // document's key -> the mux's pattern
	for _, rt := range h.routes {
		pattern[rt.method+" "+strings.ReplaceAll(rt.path, "...}", "}")] = rt.method + " " + rt.path
	}
	for path, ops := range d.Paths {
		for method, op := range ops {
			if method == "parameters" || strings.HasPrefix(method, "x-") {
				continue
			}
			k := strings.ToUpper(method) + " " + path
			inDoc = append(inDoc, k)
			role, known := need[k]
			if !known {
				continue
			}
			secured := op.Security == nil || len(*op.Security) > 0
			if secured != (role != "") {
				t.Errorf("%s: documented secured=%v, handler needs role %q", k, secured, role)
			}
			if op.Role != string(role) {
				t.Errorf("%s: x-role %q, handler needs %q", k, op.Role, role)
			}
			if secured {
				for _, code := range []string{"401", "403"} {
					if op.Responses[code] == nil {
						t.Errorf("%s: no %s response documented", k, code)
					}
				}
			}
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", k)
			}
			// The mux sends a request for this operation to its pattern,
			// path parameters filled in as a client sends them.
			url := strings.NewReplacer("{name}", "x", "{site}", "dc1", "{prefix}", "10.100.0.0%2F24").Replace(path)
			req := httptest.NewRequest(strings.ToUpper(method), url, nil)
			if _, got := h.mux.Handler(req); got != pattern[k] {
				t.Errorf("%s: the mux routes %s to %q", k, url, got)
			}
		}
	}
	sort.Strings(inHandler)
	sort.Strings(inDoc)
	for _, k := range inHandler {
		if !slices.Contains(inDoc, k) {
			t.Errorf("handler route %s is not in openapi.yaml", k)
		}
	}
	for _, k := range inDoc {
		if !slices.Contains(inHandler, k) {
			t.Errorf("openapi.yaml documents %s, which the handler does not serve", k)
		}
	}
}

// TestSchemasMatchTypes checks each documented schema against the Go type
// it describes: the same JSON fields, and required exactly when the field
// is always sent.
func TestSchemasMatchTypes(t *testing.T) {
	d := loadDoc(t)
	for name, v := range map[string]any{
		"Error": ErrorBody{}, "Status": Status{}, "Gateway": Gateway{},
		"PendingRoute": PendingRoute{}, "ApprovedRoute": ApprovedRoute{},
		"ApproveRequest": ApproveRequest{}, "ApproveResult": ApproveResult{}, "RevokeResult": RevokeResult{},
		"RouteTable": RouteTable{}, "Route": Route{}, "Segmentation": Segmentation{},
		"Domain": Domain{}, "Drop": Drop{}, "PingRequest": PingRequest{}, "PingResult": PingResult{},
		"TokenInfo": store.TokenInfo{}, "TokenRequest": TokenRequest{}, "NewToken": NewToken{},
		"EgressGateway": EgressGateway{}, "EgressDecision": EgressDecision{}, "EgressBaseRequest": EgressBaseRequest{},
		"FlightPathRequest": FlightPathRequest{},
		"VPNUser":           VPNUser{}, "VPNSession": VPNSession{}, "VPNDisconnectResult": VPNDisconnectResult{},
		"Flows": Flows{}, "Flow": Flow{}, "FlowGroup": FlowGroup{}, "S2CConfig": S2CConfig{},
		"Whoami": Whoami{}, "HPEGroup": HPEGroup{}, "Event": store.Event{}, "RejectResult": RejectResult{},
	} {
		s, ok := d.Comps.Schemas[name]
		if !ok {
			t.Errorf("schema %s is not documented", name)
			continue
		}
		var fields, always []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			tag := rt.Field(i).Tag.Get("json")
			n, opts, _ := strings.Cut(tag, ",")
			fields = append(fields, n)
			if !strings.Contains(opts, "omit") {
				always = append(always, n)
			}
		}
		var props []string
		for p := range s.Properties {
			props = append(props, p)
		}
		sort.Strings(fields)
		sort.Strings(props)
		if !slices.Equal(fields, props) {
			t.Errorf("schema %s has properties %v; the Go type has %v", name, props, fields)
		}
		req := slices.Clone(s.Required)
		sort.Strings(req)
		sort.Strings(always)
		// A request's optional field is one the server defaults.
		if name == "PingRequest" {
			always = slices.DeleteFunc(always, func(s string) bool { return s == "count" })
		}
		if !slices.Equal(req, always) {
			t.Errorf("schema %s requires %v; the Go type always sends %v", name, req, always)
		}
	}
}
