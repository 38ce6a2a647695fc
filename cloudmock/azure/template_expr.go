package azure

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Template expressions: the part of ARM's template language that the
// templates az vm create sends (and simple hand-written ones) use. A
// string value "[...]" is an expression; "[[" starts a literal "[".
// Functions: parameters, variables, concat, resourceId, resourceGroup,
// subscription, toLower, toUpper, string; property access (.location).
// Any other function is refused as ARM refuses an unknown one
// (InvalidTemplate), never guessed.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/templates/template-expressions — expressions in square brackets, functions, property access, escaping with [[
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/templates/template-functions — the template functions

// scopeVals are what an expression may read: the deployment's parameter
// and variable values, and where it deploys.
type scopeVals struct {
	params, vars map[string]any // vars: the variables evaluated so far
	rawVars      map[string]any // the template's variables, as written
	evaluating   map[string]bool
	sub, group   string
	location     string // the resource group's
}

// invalidTemplate is ARM's 400 InvalidTemplate for a template it cannot
// evaluate.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/common-deployment-errors — InvalidTemplate: check template syntax
func invalidTemplate(format string, args ...any) *armError {
	return fail(http.StatusBadRequest, "InvalidTemplate", "Deployment template validation failed: '"+format+"'.", args...)
}

// evalValue evaluates every expression in a JSON value (maps, arrays and
// strings, recursively).
func (sv *scopeVals) evalValue(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return sv.evalString(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := sv.evalValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := sv.evalValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// evalString evaluates a string value: an expression if bracketed.
func (sv *scopeVals) evalString(s string) (any, error) {
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return s, nil
	}
	if strings.HasPrefix(s, "[[") {
		return s[1:], nil
	}
	p := &exprParser{src: s[1 : len(s)-1], sv: sv}
	v, err := p.expr()
	if err == nil {
		p.space()
		if p.pos != len(p.src) {
			err = invalidTemplate("The template language expression '%s' is not valid: unexpected '%s' at position %d", clip(s), clip(p.src[p.pos:]), p.pos+1)
		}
	}
	return v, err
}

// exprParser evaluates one expression as it parses it.
type exprParser struct {
	src string
	pos int
	sv  *scopeVals
}

func (p *exprParser) space() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *exprParser) bad(what string) error {
	return invalidTemplate("The template language expression '[%s]' is not valid: %s at position %d", clip(p.src), what, p.pos+1)
}

// expr is a string literal, a number, or a function call with property
// accesses after it.
func (p *exprParser) expr() (any, error) {
	p.space()
	if p.pos >= len(p.src) {
		return nil, p.bad("an expression is missing")
	}
	c := p.src[p.pos]
	switch {
	case c == '\'':
		return p.literal()
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		for p.pos++; p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9'; p.pos++ {
		}
		n, err := strconv.Atoi(p.src[start:p.pos])
		if err != nil {
			return nil, p.bad("a bad number")
		}
		return float64(n), nil
	}
	name := p.ident()
	if name == "" {
		return nil, p.bad("a function name is expected")
	}
	p.space()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, p.bad("'(' is expected after '" + name + "'")
	}
	p.pos++
	var args []any
	for {
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == ')' {
			p.pos++
			break
		}
		if len(args) > 0 {
			if p.src[p.pos] != ',' {
				return nil, p.bad("',' or ')' is expected")
			}
			p.pos++
		}
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		p.space()
		if p.pos >= len(p.src) {
			return nil, p.bad("')' is missing")
		}
	}
	v, err := p.sv.call(name, args)
	if err != nil {
		return nil, err
	}
	return p.properties(v)
}

// literal is a quoted string; ” is a quote.
func (p *exprParser) literal() (any, error) {
	var b strings.Builder
	for p.pos++; p.pos < len(p.src); p.pos++ {
		if p.src[p.pos] == '\'' {
			if p.pos+1 < len(p.src) && p.src[p.pos+1] == '\'' {
				b.WriteByte('\'')
				p.pos++
				continue
			}
			p.pos++
			return b.String(), nil
		}
		b.WriteByte(p.src[p.pos])
	}
	return nil, p.bad("a string is not closed")
}

func (p *exprParser) ident() string {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || p.pos > start && c >= '0' && c <= '9' {
			p.pos++
			continue
		}
		break
	}
	return p.src[start:p.pos]
}

// properties applies .name accesses to v.
func (p *exprParser) properties(v any) (any, error) {
	for p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		name := p.ident()
		m, ok := v.(map[string]any)
		if !ok || name == "" {
			return nil, p.bad("a property access on a value that is not an object")
		}
		found := false
		for k, e := range m {
			if strings.EqualFold(k, name) {
				v, found = e, true
			}
		}
		if !found {
			return nil, invalidTemplate("The language expression property '%s' doesn't exist, available properties are '%s'", clip(name), strings.Join(sortedKeys(m), ", "))
		}
	}
	return v, nil
}

// call evaluates one template function.
func (sv *scopeVals) call(name string, args []any) (any, error) {
	strs := func() ([]string, error) {
		out := make([]string, len(args))
		for i, a := range args {
			s, ok := a.(string)
			if !ok {
				return nil, invalidTemplate("The template function '%s' expects string arguments; argument %d is %T", name, i+1, a)
			}
			out[i] = s
		}
		return out, nil
	}
	one := func() (string, error) {
		s, err := strs()
		if err == nil && len(s) != 1 {
			err = invalidTemplate("The template function '%s' expects 1 argument, got %d", name, len(s))
		}
		if err != nil {
			return "", err
		}
		return s[0], nil
	}
	switch lower(name) {
	case "parameters", "variables":
		key, err := one()
		if err != nil {
			return nil, err
		}
		m, what := sv.params, "parameter"
		if lower(name) == "variables" {
			return sv.variable(key)
		}
		for k, v := range m {
			if strings.EqualFold(k, key) {
				return v, nil
			}
		}
		return nil, invalidTemplate("The template %s '%s' is not found", what, clip(key))
	case "concat":
		var b strings.Builder
		for _, a := range args {
			fmt.Fprint(&b, a)
		}
		return b.String(), nil
	case "tolower", "toupper", "string":
		s, err := one()
		if err != nil {
			return nil, err
		}
		return map[string]string{"tolower": strings.ToLower(s), "toupper": strings.ToUpper(s), "string": s}[lower(name)], nil
	case "resourceid":
		s, err := strs()
		if err != nil {
			return nil, err
		}
		return resourceIDOf(sv.sub, sv.group, s)
	case "resourcegroup":
		return map[string]any{"id": "/subscriptions/" + sv.sub + "/resourceGroups/" + sv.group, "name": sv.group, "location": sv.location}, nil
	case "subscription":
		return map[string]any{"id": "/subscriptions/" + sv.sub, "subscriptionId": sv.sub}, nil
	}
	return nil, invalidTemplate("The template function '%s' is not valid (the lab's ARM evaluates parameters, variables, concat, resourceId, resourceGroup, subscription, toLower, toUpper and string)", clip(name))
}

// variable is the value of a template variable, evaluated on first use.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/templates/variables — a variable may be built from parameters and other variables
func (sv *scopeVals) variable(key string) (any, error) {
	if v, ok := lookupFold(sv.vars, key); ok {
		return v, nil
	}
	raw, ok := lookupFold(sv.rawVars, key)
	if !ok {
		return nil, invalidTemplate("The template variable '%s' is not found", clip(key))
	}
	if sv.evaluating == nil {
		sv.evaluating = map[string]bool{}
	}
	if sv.evaluating[lower(key)] {
		return nil, invalidTemplate("The template variable '%s' refers to itself", clip(key))
	}
	sv.evaluating[lower(key)] = true
	v, err := sv.evalValue(raw)
	delete(sv.evaluating, lower(key))
	if err == nil {
		sv.vars[key] = v
	}
	return v, err
}

// resourceIDOf is resourceId(['subscriptionId'], ['group'], 'type', 'name'...).
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/templates/template-functions-resource#resourceid — resourceId([subscriptionId], [resourceGroupName], resourceType, resourceName1, [resourceName2], ...)
func resourceIDOf(sub, group string, args []string) (string, error) {
	i := 0
	for i < len(args) && !strings.Contains(args[i], "/") {
		i++
	}
	if i == len(args) || i > 2 {
		return "", invalidTemplate("The template function 'resourceId' needs a fully qualified resource type, as Microsoft.Network/virtualNetworks")
	}
	switch i {
	case 2:
		sub, group = args[0], args[1]
	case 1:
		group = args[0]
	}
	types := strings.Split(args[i], "/")
	names := args[i+1:]
	if len(types) < 2 || len(names) != len(types)-1 {
		return "", invalidTemplate("Unable to evaluate template language function 'resourceId': the type '%s' requires %d resource name argument(s)", clip(args[i]), max(len(types)-1, 1))
	}
	id := "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/" + types[0]
	for k, n := range names {
		id += "/" + types[k+1] + "/" + n
	}
	return id, nil
}
