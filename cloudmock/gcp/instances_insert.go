package gcp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// ipInUse is the failure of an instance whose internal or external IP
// another resource holds; GCP reports it inside the operation.
// GCP: https://cloud.google.com/compute/docs/ip-addresses/reserve-static-internal-ip-address — an address in use by another resource cannot be assigned
func ipInUse(ip string) *apiError {
	return fail(http.StatusBadRequest, "IP_IN_USE_BY_ANOTHER_RESOURCE", "IP '%s' is already being used by another resource.", ip)
}

// nicPlan is one checked interface of an instance.
type nicPlan struct {
	subnet    model.Subnet
	ip        netip.Addr
	ephemeral bool            // an access config without natIP
	static    model.ElasticIP // an access config's reserved address
	acName    string
}

// insertInstance checks an instance as Compute Engine does and launches
// it on the model.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/insert — name, machineType, networkInterfaces, canIpForward, tags, serviceAccounts
func (s *Server) insertInstance(q *request, zone string, in instance) *apiError {
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := instancePath(q.project, zone, in.Name)
	if _, err := s.cloud.ByName(q.project, model.GCPZoneScope(zone), model.KindInstance, in.Name); err == nil {
		return fail(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path)
	}
	if in.MachineType == "" {
		return fail(http.StatusBadRequest, "required", "Required field 'resource.machineType' not specified")
	}
	if err := checkTags("resource.tags.items", tagItems(in.Tags)); err != nil {
		return err
	}
	var accounts []string
	for _, sa := range in.ServiceAccounts {
		// GCP: https://cloud.google.com/compute/docs/access/service-accounts — an instance runs as at most one service account, named by its email
		if !strings.Contains(sa.Email, "@") && sa.Email != "default" {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.serviceAccounts[0].email': '%s'. The service account is not valid.", clip(sa.Email))
		}
		if sa.Email == "default" {
			sa.Email = "default@" + q.project + ".iam.gserviceaccount.com"
		}
		accounts = append(accounts, sa.Email)
	}
	if len(accounts) > 1 {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.serviceAccounts': ''. At most one service account may be specified.")
	}
	region, _ := s.zoneRegion(zone)
	nics, aerr := s.planNICs(q, region, in.NetworkInterfaces)
	if aerr != nil {
		return aerr
	}
	return s.mutate(q, model.GCPZoneScope(zone), "insert", path, func() *apiError {
		return s.launch(q, zone, in, nics, accounts)
	})
}

func tagItems(t *instanceTags) []string {
	if t == nil {
		return nil
	}
	return t.Items
}

// launch makes the checked instance: an IP another interface holds, or a
// reserved address another instance uses, fails inside the operation.
func (s *Server) launch(q *request, zone string, in instance, nics []nicPlan, accounts []string) *apiError {
	path := instancePath(q.project, zone, in.Name)
	var ifs []model.InterfaceLaunch
	for n, nic := range nics {
		if nic.ip.IsValid() {
			for _, e := range s.cloud.NetworkInterfaces(q.project) {
				if e.SubnetID == nic.subnet.ID && e.PrivateIP == nic.ip {
					return ipInUse(nic.ip.String())
				}
			}
		}
		// GCP: https://cloud.google.com/vpc/docs/create-use-multiple-interfaces#ip_forwarding — canIpForward is the instance's, for all its interfaces
		ifs = append(ifs, model.InterfaceLaunch{DeviceIndex: n, Spec: model.InterfaceSpec{SubnetID: nic.subnet.ID, PrivateIP: nic.ip, SourceDestCheck: !in.CanIPForward}})
	}
	for _, x := range nics {
		if x.static.ID != "" && x.static.Associate != "" {
			return ipInUse(x.static.PublicIP.String())
		}
	}
	nic := nics[0]
	ephemeral := nic.ephemeral
	spec := model.LaunchSpec{Count: 1, Type: model.GCPName(in.MachineType), Place: model.Place{Scope: model.GCPZoneScope(zone), Name: in.Name}, ImageID: q.bootImage(in.Disks),
		PublicIP: &ephemeral, NetworkTags: dedupe(tagItems(in.Tags)), ServiceAccounts: accounts, Interfaces: ifs}
	insts, err := s.cloud.RunInstances(q.project, spec)
	if err != nil {
		return fromModel(err, path)
	}
	id := insts[0].ID
	// Each interface's reserved address goes to that interface.
	ifaces, _ := s.cloud.InstanceInterfaces(q.project, id)
	for _, e := range ifaces {
		if x := nics[e.Attachment.DeviceIndex]; x.static.ID != "" {
			if err := s.cloud.AssociateAddressTo(q.project, x.static.ID, e.ID, netip.Addr{}); err != nil {
				return fromModel(err, path)
			}
		}
	}
	rest := instance{Description: in.Description, Labels: in.Labels, Disks: in.Disks, ServiceAccounts: in.ServiceAccounts}
	b, _ := json.Marshal(rest)
	attrs := map[string]string{attrCreated: s.created(), attrMachineType: model.GCPName(in.MachineType), attrInstance: string(b), attrAccessConfig: nic.acName}
	if nic.static.ID != "" {
		attrs[attrStaticNAT] = nic.static.ID
	}
	_ = s.cloud.SetAttrs(q.project, id, attrs)
	return nil
}

// maxNICs is the most network interfaces an instance takes in the lab.
// GCP: https://cloud.google.com/vpc/docs/create-use-multiple-interfaces#max-interfaces — up to 8 interfaces per instance, by machine type
const maxNICs = 8

// planNICs checks the interfaces: each in its own VPC network, with its
// internal IP and its access config.
// GCP: https://cloud.google.com/vpc/docs/create-use-multiple-interfaces — each interface of an instance is in a different VPC network; all are given at creation
func (s *Server) planNICs(q *request, region string, nics []netInterface) ([]nicPlan, *apiError) {
	if len(nics) == 0 {
		return nil, fail(http.StatusBadRequest, "required", "Required field 'resource.networkInterfaces' not specified")
	}
	if len(nics) > maxNICs {
		return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.networkInterfaces': ''. Too many network interfaces. The maximum number of network interfaces allowed for this machine type is %d.", maxNICs)
	}
	var out []nicPlan
	seen := map[string]bool{}
	for n, ni := range nics {
		p, aerr := s.planNIC(q, region, n, ni)
		if aerr != nil {
			return nil, aerr
		}
		if seen[p.subnet.NetworkID] {
			return nil, fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.networkInterfaces[%d].network': '%s'. Networks must be distinct for NICs attached to a VM.", n, q.selfLink(p.subnet.NetworkID))
		}
		seen[p.subnet.NetworkID] = true
		out = append(out, p)
	}
	return out, nil
}

// planNIC checks interface n: its network and subnetwork (the network's
// subnet of the region when only the network is named), its internal IP,
// and its access config (ephemeral on nic0 only, in the lab).
// GCP: https://cloud.google.com/compute/docs/ip-addresses/reserve-static-internal-ip-address#reserve_a_specific_internal_address — networkIP: an unused address of the subnet's primary range
func (s *Server) planNIC(q *request, region string, n int, ni netInterface) (nicPlan, *apiError) {
	var p nicPlan
	field := fmt.Sprintf("resource.networkInterfaces[%d]", n)
	sn, aerr := s.nicSubnet(q, region, field, ni)
	if aerr != nil {
		return p, aerr
	}
	p.subnet = sn
	if ni.NetworkIP != "" {
		a, err := netip.ParseAddr(ni.NetworkIP)
		if err != nil || !a.Is4() {
			return p, fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.networkIP': '%s'. The IP address is not valid.", field, clip(ni.NetworkIP))
		}
		if !sn.Prefix.Contains(a) {
			return p, fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.networkIP': '%s'. Requested internal IP is outside the subnetwork CIDR range.", field, a)
		}
		p.ip = a
	}
	if len(ni.AccessConfigs) > 1 {
		return p, fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.accessConfigs': ''. At most one access config currently supported.", field)
	}
	for _, ac := range ni.AccessConfigs {
		// GCP: https://cloud.google.com/vpc/docs/create-use-multiple-interfaces — any interface may have an external IP; the lab gives one to nic1 and up only from a reserved address
		if n > 0 && ac.NatIP == "" {
			return p, fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.accessConfigs[0].natIP': ''. The lab gives an interface other than nic0 an external IP only from a reserved static address.", field)
		}
		// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances — accessConfigs[].type: ONE_TO_ONE_NAT is the only IPv4 value
		if ac.Type != "" && ac.Type != "ONE_TO_ONE_NAT" {
			return p, fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.accessConfigs[0].type': '%s'. Must be ONE_TO_ONE_NAT.", field, clip(ac.Type))
		}
		p.acName = ac.Name
		if p.acName == "" {
			p.acName = "External NAT"
		}
		if ac.NatIP == "" {
			p.ephemeral = true
			continue
		}
		if p.static, aerr = s.natAddress(q.project, region, ac.NatIP); aerr != nil {
			return p, aerr
		}
	}
	return p, nil
}

// nicSubnet resolves an interface's subnetwork, or its network's subnet
// in the region; the subnet must be of the region and of the network.
// GCP: https://cloud.google.com/vpc/docs/vpc#subnet-ranges — an instance's interface is in a subnet of its zone's region
func (s *Server) nicSubnet(q *request, region, field string, ni netInterface) (model.Subnet, *apiError) {
	var n model.Network
	if ni.Network != "" || ni.Subnetwork == "" {
		ref := ni.Network
		if ref == "" {
			ref = "default" // GCP: https://cloud.google.com/vpc/docs/vpc#default-network — without a network, an instance goes to the default network
		}
		p, aerr := q.resolveRef(ref, model.GCPGlobal, "networks")
		if aerr != nil {
			return model.Subnet{}, aerr
		}
		if n, aerr = s.networkByName(q, model.GCPName(p)); aerr != nil {
			return model.Subnet{}, aerr
		}
	}
	if ni.Subnetwork == "" {
		for _, sn := range s.cloud.Subnets(q.project) {
			if sn.NetworkID == n.ID && sn.Region == region {
				return sn, nil
			}
		}
		return model.Subnet{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s': ''. Subnetwork should be specified for custom subnetmode network", field)
	}
	p, aerr := q.resolveRef(ni.Subnetwork, model.GCPRegionScope(region), "subnetworks")
	if aerr != nil {
		return model.Subnet{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.subnetwork': '%s'. The referenced subnetwork resource cannot be found.", field, clip(ni.Subnetwork))
	}
	id, err := s.cloud.ByName(q.project, model.GCPRegionScope(region), model.KindSubnet, model.GCPName(p))
	if err != nil {
		return model.Subnet{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.subnetwork': '%s'. The referenced subnetwork resource cannot be found.", field, clip(ni.Subnetwork))
	}
	sn, err := s.cloud.Subnet(q.project, id)
	if err != nil {
		return model.Subnet{}, notFound(p)
	}
	if n.ID != "" && sn.NetworkID != n.ID {
		return model.Subnet{}, fail(http.StatusBadRequest, "invalid", "Invalid value for field '%s.subnetwork': '%s'. Subnetwork does not belong to the network %s.", field, clip(ni.Subnetwork), n.Name)
	}
	return sn, nil
}

// bootImage returns the resource path of the boot disk's source image
// (projects/P/global/images/NAME; an image family gives its own name), or
// "" when the request names none the lab can read. The lab runs an
// instance of one of its appliance images (the project mcnlab's gateway,
// firewall and egress-gateway) as that appliance.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/insert — disks[].boot, disks[].initializeParams.sourceImage: an image or an image family URL
// GCP: https://cloud.google.com/compute/docs/images/image-families-best-practices — projects/P/global/images/family/F stands for the family's latest image
func (q *request) bootImage(disks []json.RawMessage) string {
	for n, raw := range disks {
		var d struct {
			Boot             bool `json:"boot"`
			InitializeParams *struct {
				SourceImage string `json:"sourceImage"`
			} `json:"initializeParams"`
		}
		if json.Unmarshal(raw, &d) != nil || (!d.Boot && n > 0) || d.InitializeParams == nil {
			continue
		}
		r := d.InitializeParams.SourceImage
		for _, h := range append([]string{q.base}, refHosts...) {
			r = strings.TrimPrefix(r, h)
		}
		if strings.HasPrefix(r, "global/") {
			r = "projects/" + q.project + "/" + r
		}
		w := strings.Split(r, "/")
		if len(w) == 6 && w[4] == "family" {
			w = append(w[:4], w[5])
		}
		if len(w) == 5 && w[0] == "projects" && w[2] == "global" && w[3] == "images" && w[4] != "" {
			return strings.Join(w, "/")
		}
	}
	return ""
}
