package model

import (
	"cmp"
	"crypto/rand"
	"maps"
	"net/netip"
	"slices"
)

// DXConnection is a dedicated private line between a customer site and the
// cloud (an AWS Direct Connect connection). Lines are provisioned outside
// the APIs, as a carrier provisions them: here by the lab, from its
// topology, with ProvisionDXConnection.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_Connection.html — connectionId, connectionName, connectionState, location, bandwidth
type DXConnection struct {
	ID     string // dxcon-...
	Handle string `json:"-"` // names its kernel objects (names.go)
	// Meta is its scope, name and attributes where a front-end placed it
	// (PlaceDXConnection, SetAttrs); Meta.Name is not Name.
	Meta    Meta `json:"-"`
	Account string
	Name    string
	// Region is the region of the line's location ("" the front-end's
	// default region): the connection, and the virtual interfaces on it,
	// are listed there only.
	// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DescribeConnections.html — displays the connections in this Region; a Connection carries its region
	Region    string
	State     State  // always available: the lab's line is up
	Location  string // DXLocation
	Bandwidth string // DXBandwidth
	Tags      map[string]string
}

// The location and bandwidth every lab-provisioned line reports.
const (
	DXLocation  = "mcnlab"
	DXBandwidth = "1Gbps"
)

// StateDown is the state of a virtual interface that cannot carry traffic
// (its BGP session is down).
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_VirtualInterface.html — virtualInterfaceState down: a virtual interface that is BGP down
const StateDown State = "down"

// DXVirtualInterface is a private virtual interface: one VLAN on a line,
// with a /30 (or /31) between the cloud's router and the customer's,
// landing on a VPN gateway and through it on the network the gateway is
// attached to.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html — a private virtual interface to a virtual private gateway
type DXVirtualInterface struct {
	ID     string // dxvif-...
	Handle string `json:"-"` // names its kernel objects (names.go)
	// Meta is its scope, name and attributes where a front-end gave them
	// (CreateDXVirtualInterfaceAt, SetAttrs); Meta.Name is not Name.
	Meta            Meta `json:"-"`
	Account         string
	ConnectionID    string
	Name            string
	VLAN            int
	CustomerASN     int64
	AuthKey         string       // the BGP MD5 key, given or generated
	CloudAddress    netip.Prefix // the cloud router's address (AWS: amazonAddress), with the link's length
	CustomerAddress netip.Prefix // the customer router's address, in the same prefix
	VPNGatewayID    string
	Region          string // its connection's region, that of its VPN gateway too
	// LineAccount is the account of its connection where that is not
	// Account (an authorization let another account's gateway use the
	// line); empty otherwise.
	LineAccount string `json:",omitempty"`
	// Computed when read: the network of the VPN gateway (empty when it is
	// detached), the gateway's ASN, and the state.
	NetworkID string
	CloudASN  int64
	// State is available while the VPN gateway is attached to a network,
	// else down.
	// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_VirtualInterface.html — available: able to forward traffic; down: BGP down
	State State
	Tags  map[string]string
	// BGPUp and Learned are the cloud edge's BGP session over the
	// interface, as a realizer that speaks it records them
	// (SetDXSession): whether it is Established and the customer
	// prefixes it learned (none while it is down).
	BGPUp   bool           `json:",omitempty"`
	Learned []netip.Prefix `json:",omitempty"`
}

// DXVirtualInterfaceSpec says what CreateDXVirtualInterface makes. Leave
// both addresses invalid (zero) to have the cloud pick a /30 from
// 169.254.0.0/16.
type DXVirtualInterfaceSpec struct {
	ConnectionID    string
	Name            string
	VLAN            int
	CustomerASN     int64
	AuthKey         string // generated when empty
	CloudAddress    netip.Prefix
	CustomerAddress netip.Prefix
	VPNGatewayID    string
	// LineAccount owns the connection when it is not the virtual
	// interface's account: an Azure connection redeeming a circuit
	// owner's authorization from another subscription.
	LineAccount string
}

func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("model: crypto/rand failed: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// ProvisionDXConnection records a line the lab provisioned for the
// account in the default region; see ProvisionDXConnectionAt.
func (c *Cloud) ProvisionDXConnection(account, name string, tags map[string]string) (DXConnection, error) {
	return c.ProvisionDXConnectionAt(account, Place{}, name, tags)
}

// ProvisionDXConnectionAt records a line the lab provisioned for the
// account at a location of at.Region (name is its connectionName); it is
// available at once. A line of
// that name the account has already is returned as it is, so that a
// restarted lab finds its lines (one of the default region too, as a lab
// made before lines had regions has them); one in another named region
// is a conflict.
func (c *Cloud) ProvisionDXConnectionAt(account string, at Place, name string, tags map[string]string) (DXConnection, error) {
	region := at.Region
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return DXConnection{}, err
	}
	if name == "" {
		return DXConnection{}, errf(CodeInvalidParameter, KindDXConnection, "", "a connection needs a name")
	}
	for _, x := range c.dxConns {
		if x.Account == account && x.Name == name && x.Region != region && x.Region != "" && region != "" {
			return DXConnection{}, errf(CodeConflict, KindDXConnection, x.ID, "connection %s is in region %q, not %q", name, x.Region, region)
		}
		if x.Account == account && x.Name == name {
			return x.copy(c), nil
		}
	}
	id, err := c.newIDLocked(account, KindDXConnection, at)
	if err != nil {
		return DXConnection{}, err
	}
	x := &DXConnection{ID: id, Account: account, Name: name, Region: region, State: StateAvailable, Location: DXLocation, Bandwidth: DXBandwidth}
	c.dxConns[x.ID] = x
	c.registerAtLocked(KindDXConnection, x.ID, account, at, tags)
	return x.copy(c), nil
}

// PlaceDXConnection gives one of the account's lines a scope and a name
// (an Azure ExpressRoute circuit that claims the line the lab provisioned
// under the circuit's name), or takes them away again with an empty
// Place. The name must be free in the scope. The line's ID stays; its
// name is found by ByName.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-workflows — the customer creates the circuit resource and the connectivity provider provisions the line for it
func (c *Cloud) PlaceDXConnection(account, id string, at Place) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	x, ok := c.dxConns[id]
	if !ok || x.Account != account {
		return notFound(KindDXConnection, id)
	}
	p, err := c.profileLocked(account)
	if err != nil {
		return err
	}
	o := c.owners[id]
	if o.scope == at.Scope && o.name == at.Name {
		return nil
	}
	if err := c.checkNameLocked(p, account, KindDXConnection, at); err != nil {
		return err
	}
	c.unindexLocked(id, o)
	o.scope, o.name = at.Scope, at.Name
	c.owners[id] = o
	c.indexLocked(id, o)
	c.emitLocked(KindDXConnection, OpUpdate, id, account)
	return nil
}

func (x *DXConnection) ref() ref { return ref{KindDXConnection, x.ID, x.Account} }

func (x *DXConnection) copy(c *Cloud) DXConnection {
	out := *x
	out.Handle = c.owners[x.ID].handle
	out.Meta = c.metaLocked(x.ID)
	out.Tags = c.tagsLocked(x.ID)
	return out
}

// DXConnections returns the account's lines, sorted by ID.
func (c *Cloud) DXConnections(account string) []DXConnection {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.dxConns.list(c, account)
}

// linkLocalPool is where the cloud picks a virtual interface's addresses
// when the customer gives none.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreateBGPPeer.html — auto-assigned IPv4 peer addresses are a /30 from 169.254.0.0/16
var linkLocalPool = netip.MustParsePrefix("169.254.0.0/16")

// checkPeerAddresses checks a virtual interface's two addresses: IPv4, both
// with one length of /30 or /31, in one prefix, distinct, and on a /30
// neither the prefix's network nor its broadcast address.
func checkPeerAddresses(cloud, customer netip.Prefix) error {
	bad := func(format string, args ...any) error {
		return errf(CodeInvalidParameter, KindDXVirtualInterface, "", format, args...)
	}
	if !cloud.IsValid() || !customer.IsValid() {
		return bad("give both the cloud's and the customer's address, or neither")
	}
	if !cloud.Addr().Is4() || !customer.Addr().Is4() {
		return bad("peer addresses %s and %s must be IPv4", cloud, customer)
	}
	// AWS: https://docs.aws.amazon.com/directconnect/latest/UserGuide/WorkingWithVirtualInterfaces.html — prerequisites: the peer IP addresses of an IPv4 BGP session, a /30 or /31
	if cloud.Bits() != customer.Bits() || (cloud.Bits() != 30 && cloud.Bits() != 31) {
		return bad("peer addresses %s and %s must both be /30 or both /31", cloud, customer)
	}
	if cloud.Masked() != customer.Masked() {
		return bad("peer addresses %s and %s are not in one prefix", cloud, customer)
	}
	if cloud.Addr() == customer.Addr() {
		return bad("the cloud's and the customer's address are both %s", cloud.Addr())
	}
	if cloud.Bits() == 30 {
		network := cloud.Masked().Addr()
		broadcast := network.Next().Next().Next()
		for _, a := range []netip.Addr{cloud.Addr(), customer.Addr()} {
			if a == network || a == broadcast {
				return bad("%s is the network or broadcast address of %s", a, cloud.Masked())
			}
		}
	}
	return nil
}

// freeLinkLocalLocked returns the lowest /30 of 169.254.0.0/16 that no
// virtual interface uses, skipping the one of the instance metadata
// address 169.254.169.254.
func (c *Cloud) freeLinkLocalLocked() (netip.Prefix, bool) {
	used := map[netip.Prefix]bool{netip.MustParsePrefix("169.254.169.252/30"): true}
	for _, v := range c.vifs {
		used[v.CloudAddress.Masked()] = true
	}
	for p := netip.PrefixFrom(linkLocalPool.Addr(), 30); linkLocalPool.Contains(p.Addr()); {
		if !used[p] {
			return p, true
		}
		a := p.Addr()
		for range 4 {
			a = a.Next()
		}
		p = netip.PrefixFrom(a, 30)
	}
	return netip.Prefix{}, false
}

// CreateDXVirtualInterface makes a private virtual interface on one of the
// account's lines, landing on one of its VPN gateways.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html — connectionId, vlan, asn, amazonAddress, customerAddress, virtualGatewayId
func (c *Cloud) CreateDXVirtualInterface(account string, spec DXVirtualInterfaceSpec, tags map[string]string) (DXVirtualInterface, error) {
	return c.CreateDXVirtualInterfaceAt(account, Place{}, spec, tags)
}

// CreateDXVirtualInterfaceAt is CreateDXVirtualInterface with a scope and
// a name for the virtual interface (an Azure connection of type
// ExpressRoute); its region is always its connection's.
func (c *Cloud) CreateDXVirtualInterfaceAt(account string, at Place, spec DXVirtualInterfaceSpec, tags map[string]string) (DXVirtualInterface, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return DXVirtualInterface{}, err
	}
	conn, ok := c.dxConns[spec.ConnectionID]
	if !ok || conn.Account != cmp.Or(spec.LineAccount, account) {
		return DXVirtualInterface{}, notFound(KindDXConnection, spec.ConnectionID)
	}
	if spec.Name == "" {
		return DXVirtualInterface{}, errf(CodeInvalidParameter, KindDXVirtualInterface, "", "a virtual interface needs a name")
	}
	// AWS: https://docs.aws.amazon.com/directconnect/latest/UserGuide/hosted-vif.html — a VLAN tag not already in use on the connection, between 1 and 4094
	if spec.VLAN < 1 || spec.VLAN > 4094 {
		return DXVirtualInterface{}, errf(CodeInvalidParameter, KindDXVirtualInterface, "", "VLAN %d is not between 1 and 4094", spec.VLAN)
	}
	for _, v := range c.vifs {
		if v.ConnectionID == conn.ID && v.VLAN == spec.VLAN {
			return DXVirtualInterface{}, errf(CodeDuplicate, KindDXVirtualInterface, v.ID, "VLAN %d is already in use on connection %s by %s", spec.VLAN, conn.ID, v.ID)
		}
	}
	// AWS: https://docs.aws.amazon.com/directconnect/latest/UserGuide/bgp-specific-settings.html — customer-side ASN range 1 to 4,294,967,294
	if spec.CustomerASN < 1 || spec.CustomerASN > 4294967294 {
		return DXVirtualInterface{}, errf(CodeInvalidParameter, KindDXVirtualInterface, "", "BGP ASN %d is not between 1 and 4294967294", spec.CustomerASN)
	}
	g, err := c.vgwLocked(account, spec.VPNGatewayID)
	if err != nil {
		return DXVirtualInterface{}, err
	}
	// The empty region is the front-end's default, which the model does
	// not know: the front-end checks a gateway of it against a line's.
	// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_CreatePrivateVirtualInterface.html — connected to a VGW, a private virtual interface only gives access to a single VPC within the same Region
	if g.Region != conn.Region && g.Region != "" && conn.Region != "" {
		return DXVirtualInterface{}, errf(CodeInvalidParameter, KindDXVirtualInterface, "",
			"virtual private gateway %s is in region %s, connection %s in %s: a virtual interface lands on a virtual private gateway of its connection's region",
			g.ID, regionName(g.Region), conn.ID, regionName(conn.Region))
	}
	cloud, customer := spec.CloudAddress, spec.CustomerAddress
	if !cloud.IsValid() && !customer.IsValid() {
		p, ok := c.freeLinkLocalLocked()
		if !ok {
			return DXVirtualInterface{}, errf(CodeLimitExceeded, KindDXVirtualInterface, "", "no free /30 left in %s", linkLocalPool)
		}
		cloud = netip.PrefixFrom(p.Addr().Next(), 30)
		customer = netip.PrefixFrom(p.Addr().Next().Next(), 30)
	}
	if err := checkPeerAddresses(cloud, customer); err != nil {
		return DXVirtualInterface{}, err
	}
	key := spec.AuthKey
	// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_NewPrivateVirtualInterface.html — authKey: 6 to 80 characters; generated when not given
	if key == "" {
		key = randomString(24)
	} else if len(key) < 6 || len(key) > 80 {
		return DXVirtualInterface{}, errf(CodeInvalidParameter, KindDXVirtualInterface, "", "the BGP authentication key must have 6 to 80 characters")
	}
	at.Region = conn.Region
	id, err := c.newIDLocked(account, KindDXVirtualInterface, at)
	if err != nil {
		return DXVirtualInterface{}, err
	}
	v := &DXVirtualInterface{ID: id, Account: account, ConnectionID: conn.ID, Name: spec.Name, VLAN: spec.VLAN,
		CustomerASN: spec.CustomerASN, AuthKey: key, CloudAddress: cloud, CustomerAddress: customer, VPNGatewayID: spec.VPNGatewayID,
		Region: conn.Region, LineAccount: spec.LineAccount}
	c.vifs[v.ID] = v
	c.registerAtLocked(KindDXVirtualInterface, v.ID, account, at, tags)
	return v.copy(c), nil
}

func (v *DXVirtualInterface) ref() ref { return ref{KindDXVirtualInterface, v.ID, v.Account} }

func (v *DXVirtualInterface) copy(c *Cloud) DXVirtualInterface {
	out := *v
	out.Handle = c.owners[v.ID].handle
	out.Meta = c.metaLocked(v.ID)
	out.Tags = c.tagsLocked(v.ID)
	out.State = StateDown
	if g, ok := c.vgws[v.VPNGatewayID]; ok {
		out.CloudASN = g.ASN
		if g.NetworkID != "" {
			out.NetworkID, out.State = g.NetworkID, StateAvailable
		}
	}
	return out
}

// DXVirtualInterfaces returns the account's virtual interfaces, sorted by ID.
func (c *Cloud) DXVirtualInterfaces(account string) []DXVirtualInterface {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.vifs.list(c, account)
}

// DeleteDXVirtualInterface deletes a virtual interface and returns it as it
// was, in state deleted.
// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DeleteVirtualInterface.html — deletes a virtual interface
func (c *Cloud) DeleteDXVirtualInterface(account, id string) (DXVirtualInterface, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vifs[id]
	if !ok || v.Account != account {
		return DXVirtualInterface{}, notFound(KindDXVirtualInterface, id)
	}
	out := v.copy(c)
	out.State = StateDeleted
	delete(c.vifs, id)
	c.forgetLocked(KindDXVirtualInterface, id, account)
	return out, nil
}

// touchVIFsLocked tells subscribers that the virtual interfaces landing on
// a VPN gateway changed state with its attachment.
func (c *Cloud) touchVIFsLocked(gatewayID string) {
	for _, id := range slices.Sorted(maps.Keys(c.vifs)) {
		if v := c.vifs[id]; v.VPNGatewayID == gatewayID {
			c.emitLocked(KindDXVirtualInterface, OpUpdate, id, v.Account)
		}
	}
}

// regionName names a region in an error, the empty one as the default.
func regionName(region string) string {
	if region == "" {
		return "the default region"
	}
	return region
}
