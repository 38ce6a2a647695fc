package model

import (
	"fmt"
	"maps"
	"slices"
	"sync"
)

// Cloud is one emulated cloud: its accounts and every object they own.
type Cloud struct {
	// defaultMu serializes the making of default networks (defaultnet.go),
	// which takes several steps under mu.
	defaultMu sync.Mutex
	mu        sync.RWMutex // guards the fields below
	accounts  map[string]*Account
	owners    map[string]owner // object ID -> kind and owning account
	tags      map[string]map[string]string
	// handleIDs and names index the owner records (names.go).
	handleIDs map[string]string  // handle -> object ID
	names     map[nameKey]string // for profiles with unique names
	hash      func(id string) string

	networks    table[Network, *Network]
	subnets     table[Subnet, *Subnet]
	routeTables table[RouteTable, *RouteTable]
	igws        table[InternetGateway, *InternetGateway]
	eigws       table[EgressOnlyGateway, *EgressOnlyGateway]
	ruleSets    table[RuleSet, *RuleSet] // security groups, network ACLs and every other rule-set flavour
	instances   table[Instance, *Instance]
	enis        table[NetworkInterface, *NetworkInterface]
	natgws      table[NATGateway, *NATGateway]
	eips        table[ElasticIP, *ElasticIP]
	peerings    table[Peering, *Peering]
	tgws        table[TransitGateway, *TransitGateway]
	tgwRTs      table[TransitGatewayRouteTable, *TransitGatewayRouteTable]
	tgwAtts     table[TransitGatewayAttachment, *TransitGatewayAttachment]
	vgws        table[VPNGateway, *VPNGateway]
	cgws        table[CustomerGateway, *CustomerGateway]
	vpns        table[VPNConnection, *VPNConnection]
	dxConns     table[DXConnection, *DXConnection]
	vifs        table[DXVirtualInterface, *DXVirtualInterface]
	prefixLists table[PrefixList, *PrefixList] // customer-managed prefix lists (the cloud's own are ServicePrefixLists)
	endpoints   table[VPCEndpoint, *VPCEndpoint]
	gd          guardDuty                                            // detectors, threat intel sets, findings (guardduty.go)
	lts         table[LaunchTemplate, *LaunchTemplate]               // launchtemplate.go
	dhcp        table[DHCPOptions, *DHCPOptions]                     // dhcp.go
	flowLogs    table[FlowLog, *FlowLog]                             // flowlog.go
	logs        logGroups                                            // CloudWatch Logs (logs.go)
	resvs       table[SubnetCIDRReservation, *SubnetCIDRReservation] // subnetresv.go

	// powerTransit: stops and starts pass through stopping and pending
	// until a realizer settles them (powertransit.go).
	powerTransit bool

	seq  uint64
	subs map[*Subscription]struct{}
}

type owner struct {
	kind    Kind
	account string
	region  string            // the object's Region
	scope   string            // the object's Scope (names.go)
	name    string            // the object's Name
	handle  string            // the object's Handle
	attrs   map[string]string // the object's Attrs (names.go)
}

// New returns an empty cloud with no accounts.
func New() *Cloud {
	return &Cloud{
		accounts: map[string]*Account{}, owners: map[string]owner{}, tags: map[string]map[string]string{},
		handleIDs: map[string]string{}, names: map[nameKey]string{}, hash: defaultHash,
		networks: table[Network, *Network]{}, subnets: table[Subnet, *Subnet]{}, routeTables: table[RouteTable, *RouteTable]{},
		igws: table[InternetGateway, *InternetGateway]{}, eigws: table[EgressOnlyGateway, *EgressOnlyGateway]{}, ruleSets: table[RuleSet, *RuleSet]{},
		instances: table[Instance, *Instance]{}, enis: table[NetworkInterface, *NetworkInterface]{}, natgws: table[NATGateway, *NATGateway]{},
		eips: table[ElasticIP, *ElasticIP]{}, peerings: table[Peering, *Peering]{}, tgws: table[TransitGateway, *TransitGateway]{},
		tgwRTs: table[TransitGatewayRouteTable, *TransitGatewayRouteTable]{}, tgwAtts: table[TransitGatewayAttachment, *TransitGatewayAttachment]{},
		vgws: table[VPNGateway, *VPNGateway]{}, cgws: table[CustomerGateway, *CustomerGateway]{}, vpns: table[VPNConnection, *VPNConnection]{},
		dxConns: table[DXConnection, *DXConnection]{}, vifs: table[DXVirtualInterface, *DXVirtualInterface]{},
		prefixLists: table[PrefixList, *PrefixList]{}, endpoints: table[VPCEndpoint, *VPCEndpoint]{},
		subs:     map[*Subscription]struct{}{},
		gd:       newGuardDuty(),
		lts:      table[LaunchTemplate, *LaunchTemplate]{},
		dhcp:     table[DHCPOptions, *DHCPOptions]{},
		flowLogs: table[FlowLog, *FlowLog]{},
		logs:     logGroups{},
		resvs:    table[SubnetCIDRReservation, *SubnetCIDRReservation]{},
	}
}

// AddAccount adds an account, or replaces the limits of an existing one.
// An account without a Provider is an AWS account; one without Limits
// gets its profile's. A Provider without a profile (LookupProfile) is a
// programming error and panics.
func (c *Cloud) AddAccount(a Account) {
	p, err := profileOf(a.Provider)
	if err != nil {
		panic(fmt.Sprintf("model: add account %s: %v", a.ID, err))
	}
	if a.Limits == (Limits{}) {
		a.Limits = p.Limits
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.accounts[a.ID]; ok && a.DefaultNetworkRegions == nil {
		a.DefaultNetworkRegions = old.DefaultNetworkRegions // only the limits are replaced
	}
	c.accounts[a.ID] = &a
	c.emitLocked(KindAccount, OpCreate, a.ID, a.ID)
}

// Account returns the account with the given ID.
func (c *Cloud) Account(id string) (Account, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a, ok := c.accounts[id]
	if !ok {
		return Account{}, notFound(KindAccount, id)
	}
	return *a, nil
}

// Accounts returns all accounts, sorted by ID.
func (c *Cloud) Accounts() []Account {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedValues(c.accounts, func(*Account) bool { return true }, func(a *Account) Account { return *a })
}

func (c *Cloud) limitsLocked(account string) (Limits, error) {
	a, ok := c.accounts[account]
	if !ok {
		return Limits{}, notFound(KindAccount, account)
	}
	return a.Limits, nil
}

// registerLocked records a new object's kind, owner, region and initial
// tags (registerAtLocked).
func (c *Cloud) registerLocked(kind Kind, id, account, region string, tags map[string]string) {
	c.registerAtLocked(kind, id, account, Place{Region: region}, tags)
}

// registerAtLocked records a new object's kind, owner, place, handle and
// initial tags. An ID minted by newIDLocked has a free handle; one made
// otherwise (none is now; older snapshots' security groups and network
// ACLs were) keeps the handle's first holder in the index.
func (c *Cloud) registerAtLocked(kind Kind, id, account string, at Place, tags map[string]string) {
	o := owner{kind: kind, account: account, region: at.Region, scope: at.Scope, name: at.Name, handle: c.hash(id)}
	c.owners[id] = o
	c.indexLocked(id, o)
	if len(tags) > 0 {
		c.tags[id] = maps.Clone(tags)
	}
	c.emitLocked(kind, OpCreate, id, account)
}

// forgetLocked drops a deleted object's owner record and tags.
func (c *Cloud) forgetLocked(kind Kind, id, account string) {
	if o, ok := c.owners[id]; ok {
		c.unindexLocked(id, o)
	}
	delete(c.owners, id)
	delete(c.tags, id)
	c.emitLocked(kind, OpDelete, id, account)
}

func (c *Cloud) tagsLocked(id string) map[string]string {
	if t := c.tags[id]; len(t) > 0 {
		return maps.Clone(t)
	}
	return map[string]string{}
}

// KindOf returns the kind of the object with the given ID that the account owns.
func (c *Cloud) KindOf(account, id string) (Kind, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	o, ok := c.owners[id]
	if !ok || o.account != account {
		return "", notFound(KindObject, id)
	}
	return o.kind, nil
}

// SetTags adds or overwrites tags on objects the account owns; all IDs are
// checked before any is changed.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html — up to 50 tags per resource
func (c *Cloud) SetTags(account string, ids []string, tags map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		o, ok := c.owners[id]
		if !ok || o.account != account {
			return notFound(KindObject, id)
		}
		merged := c.tagsLocked(id)
		maps.Copy(merged, tags)
		if len(merged) > 50 {
			return errf(CodeLimitExceeded, KindObject, id, "the object '%s' would have more than 50 tags", id)
		}
	}
	for _, id := range ids {
		t := c.tags[id]
		if t == nil {
			t = map[string]string{}
			c.tags[id] = t
		}
		maps.Copy(t, tags)
		c.emitLocked(c.owners[id].kind, OpUpdate, id, account)
	}
	return nil
}

// RemoveTags removes tags from objects; a tag in tags with a non-nil value is
// removed only if its value matches.
func (c *Cloud) RemoveTags(account string, ids []string, tags map[string]*string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if o, ok := c.owners[id]; !ok || o.account != account {
			return notFound(KindObject, id)
		}
	}
	for _, id := range ids {
		t := c.tags[id]
		for k, v := range tags {
			if cur, ok := t[k]; ok && (v == nil || *v == cur) {
				delete(t, k)
			}
		}
		c.emitLocked(c.owners[id].kind, OpUpdate, id, account)
	}
	return nil
}

// TaggedObject is one object's tag, as listed by Tags.
type TaggedObject struct {
	ID     string
	Kind   Kind
	Region string // the object's Region
	Key    string
	Value  string
}

// Tags lists every tag on every object of the account, sorted by ID and key.
func (c *Cloud) Tags(account string) []TaggedObject {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []TaggedObject
	for id, t := range c.tags {
		o := c.owners[id]
		if o.account != account {
			continue
		}
		for k, v := range t {
			out = append(out, TaggedObject{ID: id, Kind: o.kind, Region: o.region, Key: k, Value: v})
		}
	}
	slices.SortFunc(out, func(a, b TaggedObject) int {
		if a.ID != b.ID {
			if a.ID < b.ID {
				return -1
			}
			return 1
		}
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	return out
}

// sortedValues returns the map's values sorted by key, each passed through copyFn.
func sortedValues[T any, R any](m map[string]*T, keep func(*T) bool, copyFn func(*T) R) []R {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]R, 0, len(keys))
	for _, k := range keys {
		if keep(m[k]) {
			out = append(out, copyFn(m[k]))
		}
	}
	return out
}
