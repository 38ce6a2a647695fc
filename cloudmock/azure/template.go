package azure

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// A template's resources, ordered by dependsOn and written one after the
// other through this server's own PUT handlers, so that a resource of a
// template is exactly the resource a PUT of its body makes (its checks,
// defaults and errors included). ARM deploys resources that do not
// depend on each other in parallel; here they go in template order,
// each after what it depends on, and the first failure stops the
// deployment (dependents of a failed resource are not deployed on Azure
// either).
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/templates/resource-dependency — dependsOn: deploy a resource after the ones it names; others in parallel
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/templates/syntax#resources — type, apiVersion, name, location, tags, sku, zones, properties, dependsOn

// templateBody is a deployment's template, as far as it is evaluated.
type templateBody struct {
	Parameters map[string]struct {
		Type         string `json:"type"`
		DefaultValue any    `json:"defaultValue"`
	} `json:"parameters"`
	Variables map[string]any   `json:"variables"`
	Resources []map[string]any `json:"resources"`
	Outputs   map[string]struct {
		Type  string `json:"type"`
		Value any    `json:"value"`
	} `json:"outputs"`
}

// tplResource is one evaluated resource: its path under the resource
// group's providers/, its api-version, body and dependencies.
type tplResource struct {
	key       string // lower(type/name), as dependsOn names it
	typ, name string
	path      string // Namespace/type/name[/childType/childName]
	version   string
	body      map[string]any
	deps      []string
}

// templateMeta are the members of a resource that are not its body.
var templateMeta = []string{"type", "name", "apiversion", "dependson", "condition", "comments", "scope"}

// planTemplate evaluates a template with the deployment's parameters and
// returns its resources in deployment order.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/templates/parameters — a parameter's value comes from the deployment's parameters, else its defaultValue
func planTemplate(t templateBody, given map[string]deployParam, sv *scopeVals) ([]tplResource, error) {
	sv.params, sv.vars = map[string]any{}, map[string]any{}
	for name, p := range t.Parameters {
		v, ok := lookupFold(given, name)
		switch {
		case ok:
			sv.params[name] = v.Value
		case p.DefaultValue != nil:
			sv.params[name] = p.DefaultValue
		default:
			return nil, invalidTemplate("The value for the template parameter '%s' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details", clip(name))
		}
	}
	for name := range given {
		if _, ok := lookupFold(t.Parameters, name); !ok {
			return nil, invalidTemplate("The template parameters '%s' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time", clip(name))
		}
	}
	sv.rawVars = t.Variables // evaluated as they are read: a variable may use another

	var rs []tplResource
	for i, raw := range t.Resources {
		r, err := sv.resource(i, raw)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return orderResources(rs)
}

func lookupFold[V any](m map[string]V, key string) (V, bool) {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// resource evaluates the template's i-th resource.
func (sv *scopeVals) resource(i int, raw map[string]any) (tplResource, error) {
	ev, err := sv.evalValue(raw)
	if err != nil {
		return tplResource{}, err
	}
	m := ev.(map[string]any)
	str := func(k string) string { v, _ := lookupFold(m, k); s, _ := v.(string); return s }
	r := tplResource{typ: str("type"), name: str("name"), version: str("apiVersion"), body: map[string]any{}}
	types, names := strings.Split(r.typ, "/"), strings.Split(r.name, "/")
	if len(types) < 2 || r.name == "" || len(names) != len(types)-1 || r.version == "" {
		return tplResource{}, invalidTemplate("Template resource %d (type '%s', name '%s') is not valid: it needs a type Namespace/type, an apiVersion, and one name segment per type segment", i+1, clip(r.typ), clip(r.name))
	}
	if c, ok := lookupFold(m, "condition"); ok && c == false {
		return tplResource{}, invalidTemplate("Template resource '%s' has a condition; the lab's ARM deploys every resource of a template", clip(r.name))
	}
	r.key = lower(r.typ + "/" + r.name)
	r.path = types[0]
	for k, n := range names {
		r.path += "/" + types[k+1] + "/" + n
	}
	for k, v := range m {
		if !slices.Contains(templateMeta, lower(k)) {
			r.body[k] = v
		}
	}
	deps, _ := lookupFold(m, "dependsOn")
	list, _ := deps.([]any)
	for _, d := range list {
		s, _ := d.(string)
		r.deps = append(r.deps, dependencyKey(s))
	}
	return r, nil
}

// dependencyKey turns a dependsOn entry (a resource ID, type/name, or a
// bare name) into a resource key.
func dependencyKey(s string) string {
	if _, rest, ok := strings.Cut(lower(s), "/providers/"); ok {
		w := strings.Split(rest, "/")
		types, names := []string{w[0]}, []string{}
		for i := 1; i+1 < len(w); i += 2 {
			types, names = append(types, w[i]), append(names, w[i+1])
		}
		return strings.Join(types, "/") + "/" + strings.Join(names, "/")
	}
	return lower(s)
}

// orderResources sorts resources so that each comes after those it
// depends on, keeping template order otherwise.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-invalid-template#solution-2---circular-dependency-detected — InvalidTemplate: circular dependency
func orderResources(rs []tplResource) ([]tplResource, error) {
	byKey := map[string]int{}
	for i, r := range rs {
		byKey[r.key] = i
	}
	find := func(d string) (int, bool) {
		if i, ok := byKey[d]; ok {
			return i, true
		}
		for i, r := range rs { // a bare name
			if lower(r.name) == d {
				return i, true
			}
		}
		return 0, false
	}
	state := make([]int, len(rs)) // 0 new, 1 visiting, 2 done
	var out []tplResource
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return invalidTemplate("Circular dependency detected on resource: '%s'", rs[i].path)
		case 2:
			return nil
		}
		state[i] = 1
		for _, d := range rs[i].deps {
			j, ok := find(d)
			if !ok {
				return invalidTemplate("The resource '%s' is not defined in the template", clip(d))
			}
			if err := visit(j); err != nil {
				return err
			}
		}
		state[i] = 2
		out = append(out, rs[i])
		return nil
	}
	for i := range rs {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// recorder is the response of an inner PUT.
type recorder struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(b)
}

// putResource writes one template resource through the server's PUT
// handler for its type, as a client's PUT of the same body would; the
// caller holds the write lock. It returns the resource's ID, or the
// error the handler answered.
func (s *Server) putResource(ctx context.Context, q *request, group string, r tplResource) (string, *armError) {
	b, _ := json.Marshal(r.body)
	path := "/subscriptions/" + q.sub + "/resourceGroups/" + group + "/providers/" + r.path
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, q.base+path+"?api-version="+r.version, bytes.NewReader(b))
	if err != nil {
		return "", fail(http.StatusBadRequest, "InvalidTemplate", "Template resource '%s': %s", clip(r.name), clip(err.Error()))
	}
	rec := &recorder{h: http.Header{}}
	s.serveSubscription(&request{Request: req, w: rec, words: splitPath(path), base: q.base, sub: q.sub})
	if rec.code >= 400 {
		var e struct{ Error *armError }
		if json.Unmarshal(rec.body.Bytes(), &e) != nil || e.Error == nil {
			e.Error = fail(rec.code, "InternalServerError", "%s", clip(rec.body.String()))
		}
		e.Error.Status = rec.code
		return "", e.Error
	}
	return path, nil
}
