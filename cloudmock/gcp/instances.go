package gcp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// instance is a VM instance on the wire. The lab keeps it as a model
// instance named in its zone, with its network interfaces (nic0, nic1,
// ... at device indexes 0, 1, ...), its
// network tags and service accounts in the model (the realizer selects
// by them) and the rest of its wire form in its attributes.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances — Instance resource
type instance struct {
	Kind              string            `json:"kind"`
	ID                string            `json:"id"`
	CreationTimestamp string            `json:"creationTimestamp"`
	Name              string            `json:"name"`
	Description       string            `json:"description,omitempty"`
	Zone              string            `json:"zone"`
	MachineType       string            `json:"machineType"`
	Status            string            `json:"status"`
	CanIPForward      bool              `json:"canIpForward"`
	NetworkInterfaces []netInterface    `json:"networkInterfaces"`
	Tags              *instanceTags     `json:"tags,omitempty"`
	ServiceAccounts   []serviceAccount  `json:"serviceAccounts,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Disks             []json.RawMessage `json:"disks,omitempty"`
	Fingerprint       string            `json:"fingerprint"`
	CPUPlatform       string            `json:"cpuPlatform,omitempty"`
	SelfLink          string            `json:"selfLink"`
}

type netInterface struct {
	Kind          string         `json:"kind,omitempty"`
	Name          string         `json:"name,omitempty"`
	Network       string         `json:"network,omitempty"`
	Subnetwork    string         `json:"subnetwork,omitempty"`
	NetworkIP     string         `json:"networkIP,omitempty"`
	AccessConfigs []accessConfig `json:"accessConfigs,omitempty"`
	Fingerprint   string         `json:"fingerprint,omitempty"`
	StackType     string         `json:"stackType,omitempty"`
}

type accessConfig struct {
	Kind        string `json:"kind,omitempty"`
	Type        string `json:"type,omitempty"`
	Name        string `json:"name,omitempty"`
	NatIP       string `json:"natIP,omitempty"`
	NetworkTier string `json:"networkTier,omitempty"`
}

type instanceTags struct {
	Items       []string `json:"items,omitempty"`
	Fingerprint string   `json:"fingerprint,omitempty"`
}

type serviceAccount struct {
	Email  string   `json:"email"`
	Scopes []string `json:"scopes,omitempty"`
}

// Attribute keys of an instance.
const (
	attrMachineType = "machineType"
	attrInstance    = "instance" // the wire form's rest (description, labels, disks, service account scopes), JSON
	attrStaticNAT   = "staticNatIP"
)

func instancePath(project, zone, name string) string {
	return "projects/" + project + "/zones/" + zone + "/instances/" + name
}

// zoneRegion returns a zone's region, and false for a zone the lab does
// not know: a known region and a zone letter a-c (and f in us-central1).
// GCP: https://cloud.google.com/compute/docs/regions-zones — zones are REGION-a, -b, -c (us-central1 also -f)
func (s *Server) zoneRegion(zone string) (string, bool) {
	i := strings.LastIndexByte(zone, '-')
	if i < 0 || !s.hasRegion(zone[:i]) {
		return "", false
	}
	l := zone[i+1:]
	return zone[:i], l == "a" || l == "b" || l == "c" || (l == "f" && zone[:i] == "us-central1")
}

func (s *Server) routeZonal(q *request, zone, coll string, rest []string) *apiError {
	if _, ok := s.zoneRegion(zone); !ok {
		return notFound("projects/" + q.project + "/zones/" + zone)
	}
	switch coll {
	case "instances":
		return s.serveInstances(q, zone, rest)
	case "operations":
		return s.serveOperations(q, model.GCPZoneScope(zone), rest)
	}
	return notFound("projects/" + q.project + "/zones/" + zone + "/" + coll)
}

func (s *Server) serveInstances(q *request, zone string, rest []string) *apiError {
	coll := "projects/" + q.project + "/zones/" + zone + "/instances"
	switch {
	case len(rest) == 0 && q.Method == http.MethodGet:
		var items []instance
		for _, i := range s.zoneInstances(q.project, zone) {
			items = append(items, s.instanceOut(q, i))
		}
		return writeList(q, s, "compute#instanceList", coll, items)
	case len(rest) == 0 && q.Method == http.MethodPost:
		var in instance
		if err := decode(q.Request, &in); err != nil {
			return err
		}
		return s.insertInstance(q, zone, in)
	case len(rest) >= 1 && len(rest) <= 2:
		path := instancePath(q.project, zone, rest[0])
		i, ok := s.instanceByName(q.project, zone, rest[0])
		if !ok {
			return notFound(path)
		}
		if len(rest) == 1 && q.Method == http.MethodGet {
			writeJSON(q.w, http.StatusOK, s.instanceOut(q, i))
			return nil
		}
		if len(rest) == 1 && q.Method == http.MethodDelete {
			return s.mutate(q, model.GCPZoneScope(zone), "delete", path, func() *apiError {
				if _, err := s.cloud.TerminateInstances(q.project, []string{i.ID}); err != nil {
					return fromModel(err, path)
				}
				return nil
			})
		}
		if len(rest) == 2 && q.Method == http.MethodPost {
			return s.instanceAction(q, zone, i, rest[1])
		}
	}
	return notFound(coll + "/" + joinWords(rest))
}

// zoneInstances returns the project's live instances in a zone, by name.
func (s *Server) zoneInstances(project, zone string) []model.Instance {
	var out []model.Instance
	for _, i := range s.cloud.Instances(project) {
		if i.Scope == model.GCPZoneScope(zone) && i.State != model.InstanceTerminated {
			out = append(out, i)
		}
	}
	slices.SortFunc(out, func(a, b model.Instance) int { return compare(a.Name, b.Name) })
	return out
}

func (s *Server) instanceByName(project, zone, name string) (model.Instance, bool) {
	id, err := s.cloud.ByName(project, model.GCPZoneScope(zone), model.KindInstance, name)
	if err != nil {
		return model.Instance{}, false
	}
	for _, i := range s.cloud.Instances(project) {
		if i.ID == id && i.State != model.InstanceTerminated {
			return i, true
		}
	}
	return model.Instance{}, false
}

// instanceAction answers stop, start and setTags.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/stop — a stopped instance is TERMINATED and keeps its internal IP; its ephemeral external IP is released
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/start
func (s *Server) instanceAction(q *request, zone string, i model.Instance, verb string) *apiError {
	path := instancePath(q.project, zone, i.Name)
	scope := model.GCPZoneScope(zone)
	switch verb {
	case "stop":
		return s.mutate(q, scope, "stop", path, func() *apiError {
			if i.State == model.InstanceStopped {
				return nil
			}
			if _, err := s.cloud.StopInstances(q.project, []string{i.ID}, false); err != nil {
				return fromModel(err, path)
			}
			return nil
		})
	case "start":
		return s.mutate(q, scope, "start", path, func() *apiError {
			if i.State == model.InstanceRunning {
				return nil
			}
			if _, err := s.cloud.StartInstances(q.project, []string{i.ID}); err != nil {
				return fromModel(err, path)
			}
			return nil
		})
	case "setTags":
		return s.setTags(q, zone, i)
	}
	return notFound(path + "/" + verb)
}

// setTags replaces the instance's network tags; the request must carry
// the current tags fingerprint.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/setTags — fingerprint: the current fingerprint, to prevent conflicts
func (s *Server) setTags(q *request, zone string, i model.Instance) *apiError {
	var in instanceTags
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	if in.Fingerprint != tagsFingerprint(i.NetworkTags) {
		return fail(http.StatusPreconditionFailed, "conditionNotMet", "Supplied fingerprint does not match current resource fingerprint.")
	}
	if err := checkTags("tags.items", in.Items); err != nil {
		return err
	}
	path := instancePath(q.project, zone, i.Name)
	return s.mutate(q, model.GCPZoneScope(zone), "setTags", path, func() *apiError {
		if err := s.cloud.SetInstanceNetworkTags(q.project, i.ID, dedupe(in.Items)); err != nil {
			return fromModel(err, path)
		}
		return nil
	})
}

// checkTags checks network tags: names as resources' names.
// GCP: https://cloud.google.com/vpc/docs/add-remove-network-tags#restrictions — a tag is 1-63 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen
func checkTags(field string, tags []string) *apiError {
	for _, t := range tags {
		if err := checkName(field, t); err != nil {
			return err
		}
	}
	return nil
}

func dedupe(in []string) []string {
	out := slices.Sorted(slices.Values(in))
	return slices.Compact(out)
}

func tagsFingerprint(tags []string) string { return fingerprint("tags:" + strings.Join(tags, ",")) }

// instanceOut renders an instance.
func (s *Server) instanceOut(q *request, i model.Instance) instance {
	var out instance
	_ = json.Unmarshal([]byte(i.Attrs[attrInstance]), &out)
	zone := strings.TrimPrefix(i.Scope, "zones/")
	out.Kind, out.ID, out.Name, out.SelfLink = "compute#instance", numericID(i.ID), i.Name, q.selfLink(i.ID)
	out.CreationTimestamp = i.Attrs[attrCreated]
	out.Zone = q.selfLink("projects/" + q.project + "/zones/" + zone)
	out.MachineType = q.selfLink("projects/" + q.project + "/zones/" + zone + "/machineTypes/" + i.Attrs[attrMachineType])
	// GCP: https://cloud.google.com/compute/docs/instances/instance-life-cycle — RUNNING; STOPPING, then TERMINATED for a stopped instance; STAGING before RUNNING
	switch i.State {
	case model.InstanceRunning:
		out.Status = "RUNNING"
	case model.InstanceStopping:
		out.Status = "STOPPING" // while a realizer takes it down (model/powertransit.go)
	case model.InstancePending:
		out.Status = "STAGING"
	default:
		out.Status = "TERMINATED"
	}
	out.CanIPForward = !i.SourceDestCheck
	out.Tags = &instanceTags{Items: i.NetworkTags, Fingerprint: tagsFingerprint(i.NetworkTags)}
	for n := range out.ServiceAccounts {
		if n < len(i.ServiceAccounts) {
			out.ServiceAccounts[n].Email = i.ServiceAccounts[n]
		}
	}
	out.Fingerprint = fingerprint(i.ID + out.Status)
	out.CPUPlatform = "Intel Broadwell"
	out.NetworkInterfaces = []netInterface{s.nicOut(q, i)}
	ifs, _ := s.cloud.InstanceInterfaces(q.project, i.ID)
	slices.SortFunc(ifs, func(a, b model.NetworkInterface) int { return a.Attachment.DeviceIndex - b.Attachment.DeviceIndex })
	for _, e := range ifs {
		if e.Attachment.DeviceIndex > 0 {
			// GCP: https://cloud.google.com/vpc/docs/create-use-multiple-interfaces — interfaces are nic0, nic1, ... in the order given
			x := netInterface{Kind: "compute#networkInterface", Name: fmt.Sprintf("nic%d", e.Attachment.DeviceIndex),
				Network: q.selfLink(e.NetworkID), Subnetwork: q.selfLink(e.SubnetID), NetworkIP: e.PrivateIP.String(), Fingerprint: fingerprint(e.ID), StackType: "IPV4_ONLY"}
			for _, a := range s.cloud.ElasticIPs(q.project) {
				if a.Associate == e.ID {
					x.AccessConfigs = []accessConfig{{Kind: "compute#accessConfig", Type: "ONE_TO_ONE_NAT", Name: "External NAT", NatIP: a.PublicIP.String(), NetworkTier: "PREMIUM"}}
				}
			}
			out.NetworkInterfaces = append(out.NetworkInterfaces, x)
		}
	}
	return out
}

// nicOut renders nic0 with its access config: the static address bound
// to it, or its ephemeral one.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances — networkInterfaces[].accessConfigs[]: type ONE_TO_ONE_NAT, name "External NAT", natIP
func (s *Server) nicOut(q *request, i model.Instance) netInterface {
	nic := netInterface{Kind: "compute#networkInterface", Name: "nic0", Network: q.selfLink(i.NetworkID), Subnetwork: q.selfLink(i.SubnetID),
		NetworkIP: i.PrivateIP.String(), Fingerprint: fingerprint(i.NetworkInterfaceID), StackType: "IPV4_ONLY"}
	if i.Attrs[attrStaticNAT] == "" && i.Attrs[attrAccessConfig] == "" {
		return nic
	}
	ac := accessConfig{Kind: "compute#accessConfig", Type: "ONE_TO_ONE_NAT", Name: i.Attrs[attrAccessConfig], NetworkTier: "PREMIUM"}
	if e, err := s.cloud.NetworkInterface(q.project, i.NetworkInterfaceID); err == nil && e.PublicIP.IsValid() {
		ac.NatIP = e.PublicIP.String()
	}
	for _, a := range s.cloud.ElasticIPs(q.project) {
		if a.Associate == i.NetworkInterfaceID && !a.PrivateIP.IsValid() {
			ac.NatIP = a.PublicIP.String()
		}
	}
	if i.State != model.InstanceRunning && i.Attrs[attrStaticNAT] == "" {
		ac.NatIP = "" // an ephemeral address goes with a stop
	}
	nic.AccessConfigs = []accessConfig{ac}
	return nic
}

const attrAccessConfig = "accessConfig" // the access config's name, when it has one

// aggregatedInstances answers instances.aggregatedList: the instances of
// every zone, keyed "zones/ZONE" (gcloud's instances list).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/aggregatedList
func (s *Server) aggregatedInstances(q *request) *apiError {
	var all []scoped[instance]
	for _, i := range s.cloud.Instances(q.project) {
		if i.State != model.InstanceTerminated && strings.HasPrefix(i.Scope, "zones/") {
			all = append(all, scoped[instance]{i.Scope, i.Name, s.instanceOut(q, i)})
		}
	}
	return writeAggregated(q, "compute#instanceAggregatedList", "instances", all)
}

// natAddress finds the static external address of the region with the
// given IP, for an access config's natIP.
// GCP: https://cloud.google.com/compute/docs/ip-addresses/configure-static-external-ip-address#IP_assign — natIP: a reserved static external IP address of the instance's region
func (s *Server) natAddress(project, region, ip string) (model.ElasticIP, *apiError) {
	a, err := netip.ParseAddr(ip)
	if err == nil {
		for _, e := range s.cloud.ElasticIPs(project) {
			if e.PublicIP == a && e.Region == region && e.Scope == model.GCPRegionScope(region) {
				return e, nil
			}
		}
	}
	return model.ElasticIP{}, fail(http.StatusBadRequest, "invalid",
		"Invalid value for field 'resource.networkInterfaces[0].accessConfigs[0].natIP': '%s'. The specified external IP address '%s' was not found in region '%s'.", clip(ip), clip(ip), region)
}
