package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// SnapshotVersion is the version of the snapshot format that Snapshot
// writes and Restore reads. Raise it when a stored object's shape changes
// in a way an older reader would misread. Version 2 added the objects'
// regions; Restore reads a version 1 snapshot too, its objects all in the
// default region (the empty one, region.go). Version 3 added the objects'
// scopes, names and handles (names.go) and the accounts' providers; an
// older snapshot's objects get the handles of their IDs, no scope and no
// name, and its accounts are AWS's. Version 4 keeps security groups and
// network ACLs as rule sets, and routes with priorities and tags; Restore
// reads versions 1 to 3 too, their groups and ACLs turned into rule sets
// (snapshot_legacy.go). GuardDuty's objects (guardDutySnapshot) came later
// within version 4: a snapshot without any has none of their fields, so
// every version-4 reader reads it; one with them is refused, as a field it
// does not know, by a reader older than them. So do the Azure profile's
// (profile_azure.go): named rules and routes (Rule.Name, Route.Name),
// next-hop addresses (Target.Addr), scopes as objects (scope.go, owner
// records of KindScope) and rule sets and route tables of no network. So
// do default networks (defaultnet.go): Network.Default,
// Subnet.DefaultForZone and Account.DefaultNetworkRegions. So do
// IPv6-only subnets (Subnet.IPv6Native, ipv6native.go). So do flow
// logs and log groups (flowlog.go, logs.go).
const SnapshotVersion = 4

// oldestSnapshotVersion is the oldest version Restore reads.
const oldestSnapshotVersion = 1

// ErrSnapshotVersion is returned by Restore for a snapshot of another
// version.
var ErrSnapshotVersion = errors.New("incompatible cloud snapshot version")

// snapshot is the whole model as it is stored: every account, object,
// owner record and tag, and the change sequence number. IDs are random
// (ids.go), so a restored cloud needs no counter to go on minting new
// ones; the addresses it hands out are chosen among the free ones, which
// the restored objects hold.
type snapshot struct {
	Version  int                          `json:"version"`
	Seq      uint64                       `json:"seq"`
	Accounts []*Account                   `json:"accounts"`
	Owners   map[string]snapshotOwner     `json:"owners"`
	Tags     map[string]map[string]string `json:"tags"`

	Networks    []*Network                  `json:"networks"`
	Subnets     []*Subnet                   `json:"subnets"`
	RouteTables []*RouteTable               `json:"routeTables"`
	IGWs        []*InternetGateway          `json:"internetGateways"`
	RuleSets    []*RuleSet                  `json:"ruleSets"`
	Groups      []*legacySecurityGroup      `json:"securityGroups,omitempty"` // versions 1 and 2
	ACLs        []*legacyNetworkACL         `json:"networkACLs,omitempty"`    // versions 1 and 2
	Instances   []*Instance                 `json:"instances"`
	ENIs        []*NetworkInterface         `json:"networkInterfaces"`
	NATGWs      []*NATGateway               `json:"natGateways"`
	EIPs        []*ElasticIP                `json:"elasticIPs"`
	Peerings    []*Peering                  `json:"peerings"`
	TGWs        []*TransitGateway           `json:"transitGateways"`
	TGWRTs      []*TransitGatewayRouteTable `json:"transitGatewayRouteTables"`
	TGWAtts     []*TransitGatewayAttachment `json:"transitGatewayAttachments"`
	VGWs        []*VPNGateway               `json:"vpnGateways"`
	CGWs        []*CustomerGateway          `json:"customerGateways"`
	VPNs        []*VPNConnection            `json:"vpnConnections"`
	DXConns     []*DXConnection             `json:"dxConnections"`
	VIFs        []*DXVirtualInterface       `json:"dxVirtualInterfaces"`
	// Prefix lists and VPC endpoints came later within version 4, as
	// GuardDuty's objects did: absent when there are none.
	PrefixLists []*PrefixList        `json:"prefixLists,omitempty"`
	Endpoints   []*VPCEndpoint       `json:"vpcEndpoints,omitempty"`
	EIGWs       []*EgressOnlyGateway `json:"egressOnlyGateways,omitempty"`

	guardDutySnapshot // GuardDuty's objects (guardduty.go); absent when there are none
	// LaunchTemplates came later within version 4, absent when there are none.
	LaunchTemplates []*LaunchTemplate `json:"launchTemplates,omitempty"`
	// DHCP options sets came later within version 4, absent when there are none.
	DHCPOptions []*DHCPOptions `json:"dhcpOptions,omitempty"`
	// Flow logs and CloudWatch Logs' log groups came later within version
	// 4, absent when there are none.
	FlowLogs  []*FlowLog  `json:"flowLogs,omitempty"`
	LogGroups []*LogGroup `json:"logGroups,omitempty"`
	// Subnet CIDR reservations came later within version 4, absent when there are none.
	SubnetCIDRReservations []*SubnetCIDRReservation `json:"subnetCidrReservations,omitempty"`
}

type snapshotOwner struct {
	Kind    Kind   `json:"kind"`
	Account string `json:"account"`
	Region  string `json:"region,omitempty"`
	Scope   string `json:"scope,omitempty"`
	Name    string `json:"name,omitempty"`
	Handle  string `json:"handle,omitempty"`
	// Attrs are the object's provider attributes (Meta.Attrs); an older
	// snapshot has none.
	Attrs map[string]string `json:"attrs,omitempty"`
}

// values returns the map's values sorted by key (the object's ID), so that
// two snapshots of the same model are the same bytes.
func values[T any](m map[string]*T) []*T {
	out := make([]*T, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// Snapshot encodes the whole model (JSON) and returns it with the sequence
// number of the last change it holds. It holds the read lock while it
// encodes, so the snapshot is one consistent state.
func (c *Cloud) Snapshot() ([]byte, uint64, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s := snapshot{
		Version: SnapshotVersion, Seq: c.seq, Accounts: values(c.accounts),
		Owners: make(map[string]snapshotOwner, len(c.owners)), Tags: c.tags,
		Networks: c.networks.sorted(), Subnets: c.subnets.sorted(), RouteTables: c.routeTables.sorted(),
		IGWs: c.igws.sorted(), RuleSets: c.ruleSets.sorted(), Instances: c.instances.sorted(),
		ENIs: c.enis.sorted(), NATGWs: c.natgws.sorted(), EIPs: c.eips.sorted(), Peerings: c.peerings.sorted(),
		TGWs: c.tgws.sorted(), TGWRTs: c.tgwRTs.sorted(), TGWAtts: c.tgwAtts.sorted(), VGWs: c.vgws.sorted(),
		CGWs: c.cgws.sorted(), VPNs: c.vpns.sorted(), DXConns: c.dxConns.sorted(), VIFs: c.vifs.sorted(),
		PrefixLists: c.prefixLists.sorted(), Endpoints: c.endpoints.sorted(),
		EIGWs: c.eigws.sorted(),
	}
	for id, o := range c.owners {
		s.Owners[id] = snapshotOwner{Kind: o.kind, Account: o.account, Region: o.region, Scope: o.scope, Name: o.name, Handle: o.handle, Attrs: o.attrs}
	}
	s.guardDutySnapshot = c.gd.snapshotLocked()
	if len(c.lts) > 0 {
		s.LaunchTemplates = c.lts.sorted()
	}
	if len(c.dhcp) > 0 {
		s.DHCPOptions = c.dhcp.sorted()
	}
	if len(c.flowLogs) > 0 {
		s.FlowLogs = c.flowLogs.sorted()
	}
	if len(c.logs) > 0 {
		s.LogGroups = c.logs.snapshot()
	}
	if len(c.resvs) > 0 {
		s.SubnetCIDRReservations = c.resvs.sorted()
	}
	b, err := json.Marshal(&s)
	if err != nil {
		return nil, 0, fmt.Errorf("snapshot cloud: %w", err)
	}
	return b, c.seq, nil
}

// Restore replaces the model with a snapshot that Snapshot made, IDs, tags
// and limits included, and sets the sequence number to the snapshot's so
// that Seq goes on rising. It is meant for a cloud that has just been made
// (New) and has no subscribers yet: they are told nothing about restored
// objects. A snapshot of another version fails with ErrSnapshotVersion, a
// damaged one with the decoding error; the cloud is unchanged then.
func (c *Cloud) Restore(b []byte) error {
	var probe struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return fmt.Errorf("restore cloud: %w", err)
	}
	if probe.Version < oldestSnapshotVersion || probe.Version > SnapshotVersion {
		return fmt.Errorf("restore cloud: %w: the snapshot has version %d, this mcnlab reads versions %d to %d", ErrSnapshotVersion, probe.Version, oldestSnapshotVersion, SnapshotVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s snapshot
	if err := dec.Decode(&s); err != nil {
		return fmt.Errorf("restore cloud: %w", err)
	}
	n := New()
	var err error
	load(&err, n.accounts, s.Accounts, func(a *Account) string { return a.ID })
	loadTable(&err, n.networks, s.Networks)
	loadTable(&err, n.subnets, s.Subnets)
	loadTable(&err, n.routeTables, s.RouteTables)
	loadTable(&err, n.igws, s.IGWs)
	loadTable(&err, n.ruleSets, s.RuleSets)
	loadTable(&err, n.ruleSets, s.legacyRuleSets())
	loadTable(&err, n.instances, s.Instances)
	loadTable(&err, n.enis, s.ENIs)
	loadTable(&err, n.natgws, s.NATGWs)
	loadTable(&err, n.eips, s.EIPs)
	loadTable(&err, n.peerings, s.Peerings)
	loadTable(&err, n.tgws, s.TGWs)
	loadTable(&err, n.tgwRTs, s.TGWRTs)
	loadTable(&err, n.tgwAtts, s.TGWAtts)
	loadTable(&err, n.vgws, s.VGWs)
	loadTable(&err, n.cgws, s.CGWs)
	loadTable(&err, n.vpns, s.VPNs)
	loadTable(&err, n.dxConns, s.DXConns)
	loadTable(&err, n.vifs, s.VIFs)
	loadTable(&err, n.prefixLists, s.PrefixLists)
	loadTable(&err, n.endpoints, s.Endpoints)
	loadTable(&err, n.eigws, s.EIGWs)
	restoreGuardDuty(&err, &n.gd, s.guardDutySnapshot)
	loadTable(&err, n.lts, s.LaunchTemplates)
	loadTable(&err, n.dhcp, s.DHCPOptions)
	loadTable(&err, n.flowLogs, s.FlowLogs)
	restoreLogGroups(&err, n.logs, s.LogGroups)
	loadTable(&err, n.resvs, s.SubnetCIDRReservations)
	if err != nil {
		return err
	}
	if err := n.restoreOwners(s.Owners, c.hash); err != nil {
		return err
	}
	for id, t := range s.Tags {
		if len(t) > 0 {
			n.tags[id] = t
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accounts, c.owners, c.tags = n.accounts, n.owners, n.tags
	c.handleIDs, c.names = n.handleIDs, n.names
	c.networks, c.subnets, c.routeTables, c.igws = n.networks, n.subnets, n.routeTables, n.igws
	c.ruleSets, c.instances, c.enis = n.ruleSets, n.instances, n.enis
	c.natgws, c.eips, c.peerings = n.natgws, n.eips, n.peerings
	c.tgws, c.tgwRTs, c.tgwAtts = n.tgws, n.tgwRTs, n.tgwAtts
	c.vgws, c.cgws, c.vpns, c.dxConns, c.vifs = n.vgws, n.cgws, n.vpns, n.dxConns, n.vifs
	c.prefixLists, c.endpoints = n.prefixLists, n.endpoints
	c.eigws = n.eigws
	c.gd = n.gd
	c.lts = n.lts
	c.dhcp = n.dhcp
	c.flowLogs, c.logs = n.flowLogs, n.logs
	c.resvs = n.resvs
	c.seq = s.Seq
	// A snapshot taken while a stop or start was in transit, restored
	// where no realizer follows: the change is in force at once.
	if !c.powerTransit {
		c.settleAllLocked()
	}
	return nil
}

// restoreOwners puts the owner records into a new cloud that has its
// accounts, and indexes their handles and names. An owner record without a
// handle (an older snapshot) gets its ID's; two objects with one handle,
// an account without a profile or two objects with one unique name fail.
func (n *Cloud) restoreOwners(owners map[string]snapshotOwner, hash func(string) string) error {
	n.hash = hash
	for _, a := range n.accounts {
		if _, err := profileOf(a.Provider); err != nil {
			return fmt.Errorf("restore cloud: account %s: %w", a.ID, err)
		}
	}
	// Security groups and network ACLs last: their IDs are not minted by
	// newIDLocked (registerAtLocked), so they hold a handle only if free.
	// Security group rules' handles name nothing (they have no kernel
	// objects); a clash with another's is harmless.
	unchecked := func(k Kind) bool { return k == KindSecurityGroup || k == KindNetworkACL || k == KindSecurityRule }
	ids := slices.SortedFunc(maps.Keys(owners), func(a, b string) int {
		if ua, ub := unchecked(owners[a].Kind), unchecked(owners[b].Kind); ua != ub {
			if ua {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	for _, id := range ids {
		o := owners[id]
		if _, ok := n.accounts[o.Account]; !ok {
			return fmt.Errorf("restore cloud: object %s belongs to unknown account %q", id, o.Account)
		}
		h := o.Handle
		if h == "" {
			h = hash(id)
		}
		if other, taken := n.handleIDs[h]; taken && !unchecked(o.Kind) {
			return fmt.Errorf("restore cloud: objects %s and %s have one handle %s", other, id, h)
		}
		rec := owner{kind: o.Kind, account: o.Account, region: o.Region, scope: o.Scope, name: o.Name, handle: h, attrs: o.Attrs}
		n.owners[id] = rec
		n.indexLocked(id, rec)
	}
	for _, p := range n.peerings {
		n.indexAccepterLocked(p)
	}
	return nil
}

// loadTable puts each object into t (table.load), setting *err (once).
func loadTable[T any, P record[T]](err *error, t table[T, P], objs []P) {
	if *err == nil {
		*err = t.load(objs)
	}
}

// load puts each object into m under its ID, setting *err (once) for a
// missing or repeated ID.
func load[T any](err *error, m map[string]*T, objs []*T, id func(*T) string) {
	for _, o := range objs {
		if *err != nil {
			return
		}
		if o == nil || id(o) == "" {
			*err = errors.New("restore cloud: an object without an ID")
			return
		}
		if _, dup := m[id(o)]; dup {
			*err = fmt.Errorf("restore cloud: the ID %s appears twice", id(o))
			return
		}
		m[id(o)] = o
	}
}
