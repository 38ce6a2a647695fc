package azure

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Network interfaces: model interfaces with a name in a resource group,
// one IP configuration each (its name is the interface's AddressName),
// an optional NSG (a rule set on the interface), public IP (an elastic IP
// associated with it) and IP forwarding (the source/destination check
// off).
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interfaces — create or update, get, list, list all, delete, get effective route table, list effective network security groups

// nicBody is a network interface on the wire.
type nicBody struct {
	resourceHead
	Properties nicProps `json:"properties"`
}

type nicProps struct {
	IPConfigurations            []ipConfigBody `json:"ipConfigurations"`
	NetworkSecurityGroup        *ref           `json:"networkSecurityGroup,omitempty"`
	VirtualMachine              *ref           `json:"virtualMachine,omitempty"`
	EnableIPForwarding          *bool          `json:"enableIPForwarding,omitempty"`
	EnableAcceleratedNetworking *bool          `json:"enableAcceleratedNetworking,omitempty"`
	DNSSettings                 *nicDNS        `json:"dnsSettings,omitempty"`
	MacAddress                  string         `json:"macAddress,omitempty"`
	Primary                     *bool          `json:"primary,omitempty"`
	NicType                     string         `json:"nicType,omitempty"`
	HostedWorkloads             []string       `json:"hostedWorkloads"`
	TapConfigurations           []any          `json:"tapConfigurations"`
	ResourceGUID                string         `json:"resourceGuid,omitempty"`
	ProvisioningState           string         `json:"provisioningState,omitempty"`
}

type nicDNS struct {
	DNSServers        []string `json:"dnsServers"`
	AppliedDNSServers []string `json:"appliedDnsServers"`
}

// ipConfigBody is a NIC's IP configuration on the wire.
type ipConfigBody struct {
	ID         string        `json:"id,omitempty"`
	Name       string        `json:"name,omitempty"`
	Type       string        `json:"type,omitempty"`
	Etag       string        `json:"etag,omitempty"`
	Properties ipConfigProps `json:"properties"`
}

type ipConfigProps struct {
	PrivateIPAddress          string `json:"privateIPAddress,omitempty"`
	PrivateIPAllocationMethod string `json:"privateIPAllocationMethod,omitempty"`
	PrivateIPAddressVersion   string `json:"privateIPAddressVersion,omitempty"`
	Subnet                    *ref   `json:"subnet,omitempty"`
	PublicIPAddress           *ref   `json:"publicIPAddress,omitempty"`
	Primary                   *bool  `json:"primary,omitempty"`
	ProvisioningState         string `json:"provisioningState,omitempty"`
}

const nicType = "Microsoft.Network/networkInterfaces"

// ipConfigName is the name of an interface's IP configuration.
func ipConfigName(e model.NetworkInterface) string {
	if e.AddressName != "" {
		return e.AddressName
	}
	return "ipconfig1"
}

// nicOut renders an interface.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interfaces/get — enableIPForwarding and enableAcceleratedNetworking false, nicType Standard by default
func (s *Server) nicOut(e model.NetworkInterface) nicBody {
	b := nicBody{resourceHead: resourceHead{ID: e.ID, Name: e.Name, Type: nicType, Location: e.Region, Tags: e.Tags}}
	p := &b.Properties
	fwd, accel, primary := !e.SourceDestCheck, false, e.Attachment.DeviceIndex == 0
	p.EnableIPForwarding, p.EnableAcceleratedNetworking, p.NicType = &fwd, &accel, "Standard"
	p.DNSSettings = &nicDNS{DNSServers: []string{}, AppliedDNSServers: []string{}}
	p.HostedWorkloads, p.TapConfigurations = []string{}, []any{}
	p.IPConfigurations = []ipConfigBody{s.ipConfigOut(e)}
	for _, id := range e.SecurityGroupIDs {
		if rs, err := s.cloud.RuleSet(e.Account, model.FlavorNSG, id); err == nil {
			p.NetworkSecurityGroup = &ref{ID: rs.ID}
		}
	}
	// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interfaces/get — virtualMachine: the VM the NIC is attached to; primary: whether it is the VM's primary NIC
	if e.InstanceID != "" {
		p.VirtualMachine, p.Primary = &ref{ID: e.InstanceID}, &primary
		p.MacAddress = azureMAC(model.MACAddress(e.ID))
	}
	p.ResourceGUID, p.ProvisioningState = guidOf(e.ID+e.Handle), "Succeeded"
	b.Etag = etagOf(b)
	return b
}

// azureMAC writes a MAC address as ARM does: six upper-case hexadecimal
// bytes joined by hyphens. The address is the one the lab's interface
// has (model.MACAddress of the NIC's ID, as the realizer gives it).
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interfaces/get — macAddress: the MAC address of the network interface of a VM, such as 00-0D-3A-1B-C7-21
func azureMAC(mac net.HardwareAddr) string {
	return strings.ReplaceAll(strings.ToUpper(mac.String()), ":", "-")
}

// ipConfigOut renders an interface's IP configuration.
func (s *Server) ipConfigOut(e model.NetworkInterface) ipConfigBody {
	primary := true
	c := ipConfigBody{ID: e.ID + "/ipConfigurations/" + ipConfigName(e), Name: ipConfigName(e), Type: nicType + "/ipConfigurations",
		Properties: ipConfigProps{PrivateIPAddress: e.PrivateIP.String(), PrivateIPAddressVersion: "IPv4",
			PrivateIPAllocationMethod: map[bool]string{true: "Static", false: "Dynamic"}[e.StaticIP],
			Subnet:                    &ref{ID: e.SubnetID}, Primary: &primary, ProvisioningState: "Succeeded"}}
	for _, eip := range s.cloud.ElasticIPs(e.Account) {
		if eip.Associate == e.ID {
			c.Properties.PublicIPAddress = &ref{ID: eip.ID}
		}
	}
	c.Etag = etagOf(c)
	return c
}

// nicByName returns the group's interface with the name.
func (s *Server) nicByName(sub, group, name string) (model.NetworkInterface, error) {
	return byName(s, sub, group, name, model.KindNetworkInterface, "networkInterfaces", s.cloud.NetworkInterface)
}

func (s *Server) listNICs(q *request, group string) ([]any, error) {
	var items []any
	for _, e := range s.cloud.NetworkInterfaces(q.sub) {
		if e.Name != "" && inGroup(e.Scope, group) {
			items = append(items, s.nicOut(e))
		}
	}
	return items, nil
}

// serveNIC answers one interface's methods.
func (s *Server) serveNIC(q *request, group, name string) {
	serveResource(q, group, name, resource[model.NetworkInterface]{
		find: s.nicByName, out: func(e model.NetworkInterface) any { return s.nicOut(e) }, put: s.putNIC,
		del: s.deleteNIC, region: func(e model.NetworkInterface) string { return e.Region }})
}

// deleteNIC deletes an interface that no VM uses.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface#delete-a-network-interface — a network interface attached to a virtual machine cannot be deleted (NicInUse)
func (s *Server) deleteNIC(sub string, e model.NetworkInterface) error {
	if e.InstanceID != "" {
		return fail(http.StatusBadRequest, "NicInUse",
			"Network Interface %s is used by existing resource %s. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.", e.ID, e.InstanceID)
	}
	return s.cloud.DeleteNetworkInterface(sub, e.ID)
}

// nicPlan is a checked NIC request.
type nicPlan struct {
	loc      string
	cfgName  string
	subnet   model.Subnet
	ip       netip.Addr // a Static address, or invalid
	publicIP string     // an elastic IP's ID, or empty
	nsg      string     // an NSG's ID, or empty
	forward  bool
}

// planNIC checks a NIC request as Azure does before anything changes.
func (s *Server) planNIC(q *request, self string, in nicBody) (nicPlan, error) {
	var p nicPlan
	var err error
	if p.loc, err = location(in.Location, "LocationNotAvailableForResourceType"); err != nil {
		return p, err
	}
	cfgs := in.Properties.IPConfigurations
	// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/virtual-network-network-interface-addresses — a network interface has at least one (primary) IP configuration
	if len(cfgs) == 0 {
		return p, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: the network interface has no ipConfigurations.")
	}
	if len(cfgs) > 1 {
		return p, fail(http.StatusBadRequest, "InvalidRequestFormat", "Network interface %s: the lab models one IP configuration per network interface, not %d.", clip(self), len(cfgs))
	}
	c := cfgs[0]
	if p.cfgName = c.Name; p.cfgName == "" {
		return p, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: an IP configuration has no name.")
	}
	if c.Properties.Subnet == nil || c.Properties.Subnet.ID == "" {
		return p, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: IP configuration %s has no subnet.", clip(p.cfgName))
	}
	if p.subnet, err = s.subnetRef(q.sub, c.Properties.Subnet.ID); err != nil {
		return p, err
	}
	if isGatewaySubnet(p.subnet) {
		return p, errGatewaySubnetInUse()
	}
	if p.ip, err = staticAddress(self, p.cfgName, p.subnet, c.Properties); err != nil {
		return p, err
	}
	if r := c.Properties.PublicIPAddress; r != nil && r.ID != "" {
		if p.publicIP, _, err = s.refTo(q.sub, r.ID, "publicipaddresses", model.KindElasticIP, false); err != nil {
			return p, err
		}
	}
	if r := in.Properties.NetworkSecurityGroup; r != nil && r.ID != "" {
		if p.nsg, _, err = s.refTo(q.sub, r.ID, "networksecuritygroups", model.KindNetworkSecurityGroup, false); err != nil {
			return p, err
		}
	}
	p.forward = in.Properties.EnableIPForwarding != nil && *in.Properties.EnableIPForwarding
	return p, nil
}

// staticAddress checks a configuration's allocation method and address:
// a Static one needs an address of the subnet outside its reserved
// addresses; a Dynamic one's address is the cloud's to choose.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/private-ip-addresses#allocation-method — dynamic or static; the first four and the last address of a subnet are reserved (PrivateIPAddressInReservedRange, PrivateIPAddressNotInSubnet)
func staticAddress(nic, cfg string, sn model.Subnet, p ipConfigProps) (netip.Addr, error) {
	switch lower(p.PrivateIPAllocationMethod) {
	case "", "dynamic":
		return netip.Addr{}, nil
	case "static":
	default:
		return netip.Addr{}, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: privateIPAllocationMethod '%s' is not one of Static, Dynamic.", clip(p.PrivateIPAllocationMethod))
	}
	a, err := netip.ParseAddr(p.PrivateIPAddress)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fail(http.StatusBadRequest, "InvalidRequestFormat", "Cannot parse the request: IP configuration %s is Static and needs a privateIPAddress, not '%s'.", clip(cfg), clip(p.PrivateIPAddress))
	}
	if !sn.Prefix.Contains(a) {
		return a, fail(http.StatusBadRequest, "PrivateIPAddressNotInSubnet",
			"IP configuration %s/ipConfigurations/%s references the private IP address %s which is not in the address range of subnet %s.", clip(nic), clip(cfg), a, sn.ID)
	}
	first := sn.Prefix.Masked().Addr()
	if a.Less(first.Next().Next().Next().Next()) || !sn.Prefix.Contains(a.Next()) {
		return a, fail(http.StatusBadRequest, "PrivateIPAddressInReservedRange",
			"Private static IP address %s falls within reserved IP range of subnet prefix %s.", a, sn.Prefix)
	}
	return a, nil
}

// putNIC creates or updates an interface.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interfaces/create-or-update — 201 when created, 200 when updated
func (s *Server) putNIC(q *request, group, name string) {
	var in nicBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	self := "/subscriptions/" + q.sub + "/resourceGroups/" + group + "/providers/" + nicType + "/" + name
	p, err := s.planNIC(q, self, in)
	if err != nil {
		writeError(q.w, err)
		return
	}
	e, err := s.nicByName(q.sub, group, name)
	created := err != nil
	if created {
		e, err = s.createNIC(q.sub, group, name, p, in.Tags)
	} else {
		err = s.updateNIC(e, p, in.Tags)
	}
	if err != nil {
		if created && e.ID != "" {
			_ = s.cloud.DeleteNetworkInterface(q.sub, e.ID)
		}
		writeError(q.w, nicError(self, p, err))
		return
	}
	e, _ = s.cloud.NetworkInterface(q.sub, e.ID)
	putDone(q, created, p.loc, s.nicOut(e))
}

func (s *Server) createNIC(sub, group, name string, p nicPlan, tags map[string]string) (model.NetworkInterface, error) {
	g, err := s.group(sub, group)
	if err != nil {
		return model.NetworkInterface{}, err
	}
	if p.subnet.Region != p.loc {
		return model.NetworkInterface{}, badRef(p.subnet.ID)
	}
	e, err := s.cloud.CreateNetworkInterfaceAt(sub, model.Place{Scope: g.Name, Name: name},
		model.InterfaceSpec{SubnetID: p.subnet.ID, PrivateIP: p.ip, SourceDestCheck: !p.forward, Tags: tags, AddressName: p.cfgName})
	if err != nil {
		return e, err
	}
	return e, s.linkNIC(e, p)
}

// linkNIC sets an interface's NSG and public IP as planned.
func (s *Server) linkNIC(e model.NetworkInterface, p nicPlan) error {
	var sets []string
	if p.nsg != "" {
		sets = []string{p.nsg}
	}
	if err := s.cloud.SetInterfaceRuleSets(e.Account, e.ID, model.FlavorNSG, sets); err != nil {
		return err
	}
	cur := ""
	for _, eip := range s.cloud.ElasticIPs(e.Account) {
		if eip.Associate == e.ID {
			cur = eip.ID
		}
	}
	if cur == p.publicIP {
		return nil
	}
	if cur != "" {
		if err := s.cloud.DisassociateAddress(e.Account, cur); err != nil {
			return err
		}
	}
	if p.publicIP == "" {
		return nil
	}
	return s.cloud.AssociateAddress(e.Account, p.publicIP, e.ID)
}

// updateNIC applies a request to an existing interface.
func (s *Server) updateNIC(e model.NetworkInterface, p nicPlan, tags map[string]string) error {
	if err := sameRegion(e.Name, e.Region, e.Scope, p.loc); err != nil {
		return err
	}
	if _, err := s.cloud.MoveNetworkInterface(e.Account, e.ID, p.subnet.ID, p.ip); err != nil {
		return err
	}
	if p.cfgName != e.AddressName {
		if err := s.cloud.SetInterfaceAddressName(e.Account, e.ID, p.cfgName); err != nil {
			return err
		}
	}
	if err := s.cloud.SetSourceDestCheck(e.Account, e.ID, !p.forward); err != nil {
		return err
	}
	if err := s.linkNIC(e, p); err != nil {
		return err
	}
	return s.cloud.ReplaceTags(e.Account, e.ID, tags)
}

// nicError maps the model's refusals of a NIC request to Azure's codes.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/common-deployment-errors — PrivateIPAddressInUse, PublicIPAddressInUse
func nicError(self string, p nicPlan, err error) error {
	switch codeOf(err) {
	case model.CodeConflict:
		return fail(http.StatusBadRequest, "PrivateIPAddressInUse",
			"IP configuration %s/ipConfigurations/%s is using the private IP address %s which is already allocated to another resource.", clip(self), clip(p.cfgName), p.ip)
	case model.CodeAlreadyAssociated:
		return fail(http.StatusBadRequest, "PublicIPAddressInUse",
			"Resource %s/ipConfigurations/%s is referencing public IP address %s that is already allocated to another resource.", clip(self), clip(p.cfgName), p.publicIP)
	case model.CodeLimitExceeded:
		return fail(http.StatusBadRequest, "SubnetIsFull", "Subnet %s with address prefix %s does not have enough capacity for 1 IP addresses.", p.subnet.Name, p.subnet.Prefix)
	}
	return err
}

// serveIPConfig answers GET .../networkInterfaces/N/ipConfigurations[/NAME]
// (read-only: a NIC's configuration changes with the NIC).
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interface-ip-configurations — get, list
func (s *Server) serveIPConfig(q *request, group, nic, _, name string) {
	e, err := s.nicByName(q.sub, group, nic)
	if err != nil {
		writeError(q.w, err)
		return
	}
	if q.Method != http.MethodGet {
		methodNotAllowed(q)
		return
	}
	c := s.ipConfigOut(e)
	switch {
	case name == "":
		s.page(q, []any{c})
	case lower(name) == lower(c.Name):
		writeJSON(q.w, http.StatusOK, c)
	default:
		writeError(q.w, childNotFound(e.ID+"/ipConfigurations/"+name))
	}
}
