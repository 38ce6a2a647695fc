package azure

import (
	"net/http"
	"strings"
	"time"
)

// Microsoft.Compute: virtual machines (vm.go), as much as networking
// needs. Their operations live under the namespace's own locations.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines — create or update, get, instance view, list, list all, delete, power off, start, deallocate, restart

// computeNS is the namespace as ARM spells it.
const computeNS = "Microsoft.Compute"

// computeVersions are the api-versions Microsoft.Compute published for
// virtualMachines (the Go SDK armcompute/v6 sends 2024-11-01; az 2.45
// with the 2020-09-01-hybrid profile 2020-06-01). One response shape
// serves them all.
// Azure: https://learn.microsoft.com/en-us/azure/templates/microsoft.compute/virtualmachines — the API versions of Microsoft.Compute/virtualMachines
var computeVersions = []string{
	"2015-05-01-preview", "2015-06-15", "2016-03-30", "2016-04-30-preview", "2017-03-30", "2017-12-01", "2018-04-01",
	"2018-06-01", "2018-10-01", "2019-03-01", "2019-07-01", "2019-12-01", "2020-06-01", "2020-12-01", "2021-03-01",
	"2021-04-01", "2021-07-01", "2021-11-01", "2022-03-01", "2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01",
	"2023-09-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-04-01",
}

// serveComputeProvider routes /subscriptions/S/providers/Microsoft.Compute/...:
// the subscription's virtual machines and the namespace's operations.
func (s *Server) serveComputeProvider(q *request, w []string) {
	switch {
	case len(w) == 4 && lower(w[0]) == "locations" && (lower(w[2]) == "operations" || lower(w[2]) == "operationresults"):
		s.computeOperation(q, lower(w[2]), w[3])
	case len(w) == 1 && lower(w[0]) == "virtualmachines":
		s.listVMs(q, "")
	case isImageVersions(w):
		s.serveImageVersions(q, w)
	default:
		writeError(q.w, fail(http.StatusNotFound, "InvalidResourceType", "The resource type '%s' could not be found in the namespace 'Microsoft.Compute'.", clip(strings.Join(w, "/"))))
	}
}

// serveCompute routes .../resourceGroups/G/providers/Microsoft.Compute/virtualMachines[/NAME[/ACTION]].
func (s *Server) serveCompute(q *request, group string, w []string) {
	if lower(w[0]) != "virtualmachines" {
		writeError(q.w, fail(http.StatusBadRequest, "InvalidResourceType",
			"The resource type '%s' could not be found in the namespace 'Microsoft.Compute' for api version '%s'.", clip(w[0]), clip(q.URL.Query().Get("api-version"))))
		return
	}
	if err := checkVersion(q.Request, "virtualMachines", computeVersions); err != nil {
		writeError(q.w, err)
		return
	}
	switch {
	case len(w) == 1:
		s.listVMs(q, group)
	case len(w) == 2:
		s.serveVM(q, group, w[1])
	case len(w) == 3 && lower(w[2]) == "instanceview":
		s.getInstanceView(q, group, w[1])
	case len(w) == 3 && vmActions[lower(w[2])] != nil:
		s.vmAction(q, group, w[1], lower(w[2]))
	default:
		writeError(q.w, fail(http.StatusBadRequest, "InvalidResourceType", "The resource type '%s' could not be found.", clip(strings.Join(w, "/"))))
	}
}

// computeOperation answers a Microsoft.Compute operation: every one has
// succeeded by the time it is asked about; its result (Location) is
// empty, as a power action's is.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/async-operations — the operation's status: startTime, endTime, status Succeeded
func (s *Server) computeOperation(q *request, kind, id string) {
	if err := checkVersion(q.Request, "locations/operations", computeVersions); err != nil {
		writeError(q.w, err)
		return
	}
	if kind == "operationresults" {
		q.w.WriteHeader(http.StatusOK)
		return
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	writeJSON(q.w, http.StatusOK, map[string]any{"name": id, "status": "Succeeded", "startTime": now, "endTime": now})
}

// listVMs lists a group's virtual machines, or the subscription's when
// group is empty.
func (s *Server) listVMs(q *request, group string) {
	if err := checkVersion(q.Request, "virtualMachines", computeVersions); err != nil {
		writeError(q.w, err)
		return
	}
	if q.Method != http.MethodGet {
		methodNotAllowed(q)
		return
	}
	// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/list-all — statusOnly=true returns the instance view of every virtual machine
	view := lower(q.URL.Query().Get("$expand")) == "instanceview" || lower(q.URL.Query().Get("statusOnly")) == "true"
	var items []any
	for _, i := range s.vms(q.sub) {
		if inGroup(i.Scope, group) {
			items = append(items, s.vmOut(i, view))
		}
	}
	s.page(q, items)
}
