package azure

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Template deployments (Microsoft.Resources/deployments) at resource
// group scope: what az vm create sends (an ARM template of the VM, its
// NIC and, as asked, its public IP, NSG and VNet). A deployment runs
// while its PUT is answered (template.go) and is kept, as its outcome, in
// the resource group's attributes, so that it is saved with the model and
// goes with the group. Inline templates only (no templateLink: the lab is
// offline), mode Incremental.
// Azure: https://learn.microsoft.com/en-us/rest/api/resources/deployments — create or update, get, validate, list by resource group, delete
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/templates/deploy-rest — PUT .../providers/Microsoft.Resources/deployments/NAME with properties.template, parameters, mode

// deployAttr prefixes a deployment's attribute on its group.
const deployAttr = "azure.deployment/"

// deployParam is a deployment parameter's value.
type deployParam struct {
	Value any `json:"value"`
}

// deployIn is a deployment PUT's (or validate's) body.
type deployIn struct {
	Properties struct {
		Template     *templateBody          `json:"template"`
		TemplateLink any                    `json:"templateLink"`
		Parameters   map[string]deployParam `json:"parameters"`
		Mode         string                 `json:"mode"`
	} `json:"properties"`
}

// deployRecord is what is kept of a deployment.
type deployRecord struct {
	Name      string            `json:"name"`
	State     string            `json:"state"`
	Mode      string            `json:"mode"`
	Timestamp string            `json:"timestamp"`
	Duration  string            `json:"duration"`
	Params    map[string]string `json:"params"` // name -> type
	Resources []string          `json:"resources"`
	Error     *deployError      `json:"error,omitempty"`
	Outputs   map[string]any    `json:"outputs,omitempty"`
}

// deployError is a failed deployment's error: DeploymentFailed with the
// failed resource's error in its details.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/common-deployment-errors — DeploymentFailed: look at the inner errors in details
type deployError struct {
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Details []*armError `json:"details,omitempty"`
}

// deployName is the pattern of a deployment's name.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules#microsoftresources — deployments: 1-64 alphanumerics, underscores, parentheses, hyphens, periods
var deployName = regexp.MustCompile(`^[-\w._()]{1,64}$`)

// serveDeployments routes .../resourceGroups/G/providers/Microsoft.Resources/deployments[/NAME[/validate|/operationStatuses/ID]].
func (s *Server) serveDeployments(q *request, g model.Scope, w []string) {
	if err := checkVersion(q.Request, "deployments", resourcesVersions); err != nil {
		writeError(q.w, err)
		return
	}
	switch {
	case len(w) == 0 && q.Method == http.MethodGet:
		var items []any
		for _, k := range sortedKeys(g.Attrs) {
			if strings.HasPrefix(k, deployAttr) {
				items = append(items, deployOut(g, k))
			}
		}
		s.page(q, items)
	case len(w) == 1:
		s.serveDeployment(q, g, w[0])
	case len(w) == 2 && lower(w[1]) == "validate" && q.Method == http.MethodPost:
		s.validateDeployment(q, g, w[0])
	case len(w) == 3 && lower(w[1]) == "operationstatuses" && q.Method == http.MethodGet:
		d, ok := deployment(g, w[0])
		if !ok {
			writeError(q.w, deployNotFound(w[0]))
			return
		}
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/async-operations#azure-asyncoperation-request-and-response — status Succeeded, or Failed with error
		out := map[string]any{"status": d.State}
		if d.Error != nil {
			out["error"] = d.Error
		}
		writeJSON(q.w, http.StatusOK, out)
	default:
		writeError(q.w, fail(http.StatusNotFound, "InvalidResourceType", "The resource type '%s' could not be found in the namespace 'Microsoft.Resources'.", clip(strings.Join(w, "/"))))
	}
}

// deployNotFound is ARM's 404 for a deployment.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-not-found — DeploymentNotFound
func deployNotFound(name string) error {
	return fail(http.StatusNotFound, "DeploymentNotFound", "Deployment '%s' could not be found.", clip(name))
}

// deployment is the group's deployment of the name.
func deployment(g model.Scope, name string) (deployRecord, bool) {
	var d deployRecord
	v, ok := g.Attrs[deployAttr+lower(name)]
	return d, ok && json.Unmarshal([]byte(v), &d) == nil
}

// deployOut renders a kept deployment.
// Azure: https://learn.microsoft.com/en-us/rest/api/resources/deployments/get — properties: provisioningState, timestamp, duration, mode, parameters, outputs, outputResources, error
func deployOut(g model.Scope, key string) any {
	var d deployRecord
	_ = json.Unmarshal([]byte(g.Attrs[key]), &d)
	params := map[string]any{}
	for n, t := range d.Params {
		params[n] = map[string]string{"type": t} // values are not returned, secure ones least of all
	}
	var res []any
	for _, id := range d.Resources {
		res = append(res, ref{ID: id})
	}
	props := map[string]any{"provisioningState": d.State, "timestamp": d.Timestamp, "duration": d.Duration, "mode": d.Mode,
		"parameters": params, "outputs": d.Outputs, "outputResources": res, "correlationId": guidOf(g.ID + d.Name + d.Timestamp)}
	if d.Error != nil {
		props["error"] = d.Error
	}
	return map[string]any{"id": g.ID + "/providers/Microsoft.Resources/deployments/" + d.Name, "name": d.Name,
		"type": "Microsoft.Resources/deployments", "properties": props}
}

func (s *Server) serveDeployment(q *request, g model.Scope, name string) {
	switch q.Method {
	case http.MethodGet, http.MethodHead:
		if _, ok := deployment(g, name); !ok {
			writeError(q.w, deployNotFound(name))
			return
		}
		writeJSON(q.w, http.StatusOK, deployOut(g, deployAttr+lower(name)))
	case http.MethodPut:
		s.putDeployment(q, g, name)
	case http.MethodDelete:
		// Deleting a deployment deletes its history, not its resources.
		// Azure: https://learn.microsoft.com/en-us/rest/api/resources/deployments/delete — the resources the deployment made are not deleted
		d, ok := deployment(g, name)
		if !ok {
			q.w.WriteHeader(http.StatusNoContent)
			return
		}
		if err := s.cloud.SetAttrs(q.sub, g.ID, map[string]string{deployAttr + lower(d.Name): ""}); err != nil {
			writeError(q.w, err)
			return
		}
		q.w.Header().Set("Retry-After", "0")
		q.w.WriteHeader(http.StatusAccepted)
	default:
		writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed here.", q.Method))
	}
}

// readDeploy decodes and checks a deployment body and evaluates its
// template.
func readDeploy(q *request, g model.Scope, name string) (deployIn, []tplResource, error) {
	var in deployIn
	if !deployName.MatchString(name) {
		return in, nil, fail(http.StatusBadRequest, "InvalidDeploymentName", "The deployment name '%s' is not valid: 1 to 64 letters, digits, underscores, parentheses, hyphens and periods.", clip(name))
	}
	if err := decodeBody(q.Request, &in); err != nil {
		return in, nil, err
	}
	p := &in.Properties
	switch {
	case p.TemplateLink != nil:
		return in, nil, fail(http.StatusBadRequest, "InvalidTemplateLink", "The lab's ARM is offline: give the template inline (properties.template), not as templateLink.")
	case p.Template == nil:
		return in, nil, fail(http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties.template' is required.")
	case p.Mode == "":
		p.Mode = "Incremental"
	}
	if !strings.EqualFold(p.Mode, "Incremental") {
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/templates/deployment-modes — Incremental or Complete
		return in, nil, fail(http.StatusBadRequest, "InvalidDeploymentMode", "The deployment mode '%s' is not served by the lab's ARM; use Incremental.", clip(p.Mode))
	}
	p.Mode = "Incremental"
	sv := &scopeVals{sub: q.sub, group: g.Name, location: g.Region}
	rs, err := planTemplate(*p.Template, p.Parameters, sv)
	return in, rs, err
}

// validateDeployment answers POST .../deployments/NAME/validate: the
// template evaluates and orders, and nothing is written.
// Azure: https://learn.microsoft.com/en-us/rest/api/resources/deployments/validate — 200 with the validated deployment, 400 with the error
func (s *Server) validateDeployment(q *request, g model.Scope, name string) {
	in, rs, err := readDeploy(q, g, name)
	if err != nil {
		writeError(q.w, err)
		return
	}
	var res []any
	for _, r := range rs {
		res = append(res, ref{ID: g.ID + "/providers/" + r.path})
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"id": g.ID + "/providers/Microsoft.Resources/deployments/" + name, "name": name,
		"type": "Microsoft.Resources/deployments", "properties": map[string]any{"provisioningState": "Succeeded", "mode": in.Properties.Mode, "validatedResources": res}})
}

// putDeployment runs a deployment and answers as ARM does: 201 with the
// deployment and an Azure-AsyncOperation URL whose status is its outcome.
// A template that does not evaluate is a 400 at once, and nothing is
// written.
func (s *Server) putDeployment(q *request, g model.Scope, name string) {
	in, rs, err := readDeploy(q, g, name)
	if err != nil {
		writeError(q.w, err)
		return
	}
	start := time.Now()
	d := deployRecord{Name: name, State: "Succeeded", Mode: in.Properties.Mode, Timestamp: start.UTC().Format(time.RFC3339Nano), Params: map[string]string{}}
	for n, p := range in.Properties.Template.Parameters {
		d.Params[n] = cmpOr(p.Type, "String")
	}
	for _, r := range rs {
		id, ae := s.putResource(q.Context(), q, g.Name, r)
		if ae != nil {
			d.State = "Failed"
			d.Error = &deployError{Code: "DeploymentFailed", Details: []*armError{ae},
				Message: "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details."}
			break
		}
		d.Resources = append(d.Resources, id)
	}
	d.Duration = fmt.Sprintf("PT%.3fS", time.Since(start).Seconds()) // ISO 8601, as ARM writes it
	b, _ := json.Marshal(d)
	key := deployAttr + lower(name)
	_, existed := g.Attrs[key]
	if err := s.cloud.SetAttrs(q.sub, g.ID, map[string]string{key: string(b)}); err != nil {
		writeError(q.w, err)
		return
	}
	g, _ = s.cloud.ScopeOf(q.sub, g.ID)
	h := q.w.Header()
	h.Set("Azure-AsyncOperation", q.base+g.ID+"/providers/Microsoft.Resources/deployments/"+name+"/operationStatuses/"+
		strings.ReplaceAll(guidOf(d.Timestamp+name), "-", "")+"?api-version="+q.URL.Query().Get("api-version"))
	h.Set("Retry-After", "0")
	writeJSON(q.w, map[bool]int{true: http.StatusOK, false: http.StatusCreated}[existed], deployOut(g, key))
}
