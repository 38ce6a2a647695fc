package model

import (
	"slices"
)

// KindDHCPOptions is a DHCP options set.
const KindDHCPOptions Kind = "dhcp-options"

// DHCPOption is one option of a DHCP options set: a key, such as
// domain-name or domain-name-servers, and its values.
type DHCPOption struct {
	Key    string
	Values []string
}

// DHCPOptions is a set of DHCP options that networks of its region use
// (Network.DHCPOptionsID).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_DHCP_Options.html — DHCP option sets: domain-name, domain-name-servers, ntp-servers, netbios-name-servers, netbios-node-type, ipv6-address-preferred-lease-time
type DHCPOptions struct {
	ID      string
	Meta    `json:"-"` // scope, name and handle (names.go)
	Account string
	Region  string
	Options []DHCPOption
	// RegionDefault: the cloud made it with the region's default network
	// (defaultnet.go), and new networks of the region use it.
	RegionDefault bool `json:",omitempty"`
	// NetworkID is the network whose own default set it is (OCI's
	// default DHCP options), deleted with it; empty for others.
	NetworkID string `json:",omitempty"`
	Tags      map[string]string
}

func (d *DHCPOptions) ref() ref { return ref{KindDHCPOptions, d.ID, d.Account} }

func (d *DHCPOptions) copy(c *Cloud) DHCPOptions {
	out := *d
	out.Meta = c.metaLocked(d.ID)
	out.Options = make([]DHCPOption, len(d.Options))
	for i, o := range d.Options {
		out.Options[i] = DHCPOption{Key: o.Key, Values: slices.Clone(o.Values)}
	}
	out.Tags = c.tagsLocked(d.ID)
	return out
}

// dhcpKeys are the option keys a set may hold, with how many values each
// takes at most.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NewDhcpConfiguration.html — up to four domain name servers, NTP servers and NetBIOS name servers
var dhcpKeys = map[string]int{"domain-name": 1, "domain-name-servers": 4, "ntp-servers": 4, "netbios-name-servers": 4,
	"netbios-node-type": 1, "ipv6-address-preferred-lease-time": 1}

// CreateDHCPOptionsAt makes a DHCP options set in a region.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateDhcpOptions.html
func (c *Cloud) CreateDHCPOptionsAt(account string, at Place, opts []DHCPOption, tags map[string]string) (DHCPOptions, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return DHCPOptions{}, err
	}
	if len(opts) == 0 {
		return DHCPOptions{}, errf(CodeInvalidParameter, KindDHCPOptions, "", "a DHCP options set needs at least one option")
	}
	seen := map[string]bool{}
	for _, o := range opts {
		n, ok := dhcpKeys[o.Key]
		if !ok {
			return DHCPOptions{}, errf(CodeInvalidParameter, KindDHCPOptions, o.Key, "'%s' is not a DHCP option", Clip(o.Key))
		}
		if seen[o.Key] || len(o.Values) == 0 || len(o.Values) > n {
			return DHCPOptions{}, errf(CodeInvalidParameter, KindDHCPOptions, o.Key, "the DHCP option '%s' takes one to %d values, once", o.Key, n)
		}
		seen[o.Key] = true
	}
	id, err := c.newIDLocked(account, KindDHCPOptions, at)
	if err != nil {
		return DHCPOptions{}, err
	}
	d := &DHCPOptions{ID: id, Account: account, Region: at.Region}
	for _, o := range opts {
		d.Options = append(d.Options, DHCPOption{Key: o.Key, Values: slices.Clone(o.Values)})
	}
	c.dhcp.put(d)
	c.registerAtLocked(KindDHCPOptions, id, account, at, tags)
	return d.copy(c), nil
}

// DHCPOptionsSets returns the account's DHCP options sets, sorted by ID.
func (c *Cloud) DHCPOptionsSets(account string) []DHCPOptions {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.dhcp.list(c, account)
}

// DeleteDHCPOptions deletes a DHCP options set that no network uses.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteDhcpOptions.html — you must disassociate the set from its VPCs first
func (c *Cloud) DeleteDHCPOptions(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.dhcp.get(account, id); err != nil {
		return err
	}
	for _, n := range c.networks {
		if n.DHCPOptionsID == id {
			return errf(CodeDependency, KindDHCPOptions, id, "the dhcpOptions '%s' has dependencies and cannot be deleted.", id)
		}
	}
	delete(c.dhcp, id)
	c.forgetLocked(KindDHCPOptions, id, account)
	return nil
}

// AssociateDHCPOptions makes a network use a DHCP options set of its
// region, or with id empty none.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateDhcpOptions.html — the ID default associates no DHCP options with the VPC
func (c *Cloud) AssociateDHCPOptions(account, id, networkID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.networkLocked(account, networkID)
	if err != nil {
		return err
	}
	if id != "" {
		d, err := c.dhcp.get(account, id)
		if err != nil {
			return err
		}
		if d.Region != n.Region {
			return notFound(KindDHCPOptions, id)
		}
	}
	n.DHCPOptionsID = id
	c.emitLocked(KindNetwork, OpUpdate, n.ID, account)
	return nil
}

// defaultDHCPOptions are the options of a region's default set: the
// region's domain name and the Amazon-provided DNS server.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSetConcepts.html#AmazonDNS — the default DHCP option set: domain-name ec2.internal in us-east-1, region.compute.internal elsewhere; domain-name-servers AmazonProvidedDNS
func defaultDHCPOptions(region string) []DHCPOption {
	domain := region + ".compute.internal"
	if region == "us-east-1" {
		domain = "ec2.internal"
	}
	return []DHCPOption{{Key: "domain-name", Values: []string{domain}}, {Key: "domain-name-servers", Values: []string{"AmazonProvidedDNS"}}}
}

// regionDHCPOptionsLocked is the ID of the account's default DHCP options
// set of a region, or empty.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSetConcepts.html — a new VPC is associated with the Region's default DHCP option set
func (c *Cloud) regionDHCPOptionsLocked(account, region string) string {
	for _, d := range c.dhcp {
		if d.RegionDefault && d.Account == account && d.Region == region {
			return d.ID
		}
	}
	return ""
}

// ensureRegionDHCPOptions makes the account's default DHCP options set of
// a region if it has none. The caller holds defaultMu.
func (c *Cloud) ensureRegionDHCPOptions(account, region string) error {
	c.mu.RLock()
	has := c.regionDHCPOptionsLocked(account, region) != ""
	c.mu.RUnlock()
	if has {
		return nil
	}
	d, err := c.CreateDHCPOptionsAt(account, Place{Region: region}, defaultDHCPOptions(region), nil)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if x, ok := c.dhcp[d.ID]; ok {
		x.RegionDefault = true
	}
	return nil
}

// newNetworkDHCPLocked makes a network's own default DHCP options in its
// compartment and returns their ID.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDHCP.htm — each VCN comes with a default set of DHCP options that cannot be deleted (it goes with the VCN)
func (c *Cloud) newNetworkDHCPLocked(n *Network, scope string) string {
	id := c.subIDLocked(n.Account, KindDHCPOptions)
	if p, err := c.profileLocked(n.Account); err == nil {
		id = p.NewID(n.Account, KindDHCPOptions, Place{Region: n.Region, Scope: scope})
	}
	c.dhcp.put(&DHCPOptions{ID: id, Account: n.Account, Region: n.Region, NetworkID: n.ID, Options: ociDefaultDHCPOptions()})
	c.registerAtLocked(KindDHCPOptions, id, n.Account, Place{Region: n.Region, Scope: scope}, nil)
	return id
}

// deleteNetworkDHCPLocked deletes the DHCP options that are the
// network's own.
func (c *Cloud) deleteNetworkDHCPLocked(n *Network) {
	for _, id := range sortedKeys(c.dhcp) {
		if d := c.dhcp[id]; d.NetworkID == n.ID && d.Account == n.Account {
			delete(c.dhcp, id)
			c.forgetLocked(KindDHCPOptions, id, n.Account)
		}
	}
}
