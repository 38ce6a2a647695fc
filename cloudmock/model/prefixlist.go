package model

import (
	"net/netip"
	"slices"
	"strings"
)

// PrefixListEntry is one CIDR of a prefix list, with its description.
type PrefixListEntry struct {
	CIDR        netip.Prefix
	Description string `json:",omitempty"`
}

// PrefixListState is a prefix list's state. Changes are in force when
// their call returns, so the model holds only the complete states.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ManagedPrefixList.html — create-complete, modify-complete, restore-complete, ...
type PrefixListState string

// The prefix list states the model holds.
const (
	PrefixListCreateComplete  PrefixListState = "create-complete"
	PrefixListModifyComplete  PrefixListState = "modify-complete"
	PrefixListRestoreComplete PrefixListState = "restore-complete"
)

// AWSOwner is the owner of the prefix lists the cloud itself manages
// (AWS-managed lists, model.ServicePrefixLists).
const AWSOwner = "AWS"

// PrefixList is a named set of CIDRs of one address family that routes
// and rules can name as their destination or peer: a customer-managed
// list (stored, versioned) or one the cloud manages for a service
// (ServicePrefixLists; Managed, never stored).
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html — customer-managed and AWS-managed prefix lists
type PrefixList struct {
	ID      string
	Meta    `json:"-"` // scope, name and handle (names.go)
	Account string     // the owner: an account, or AWSOwner
	Region  string
	Name    string
	IPv6    bool // the address family: IPv6 rather than IPv4
	// MaxEntries is how many entries the list may hold; a reference to
	// the list counts as that many entries of the referring table or set.
	// A managed list has none; its Weight counts instead.
	MaxEntries int
	Weight     int `json:",omitempty"`
	// Versions are the list's entries at each version, Versions[v-1] at
	// version v; a list made without entries has version 0 and none.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html#managed-prefix-lists-concepts — adding or removing entries creates a new version
	Versions [][]PrefixListEntry
	State    PrefixListState
	Managed  bool `json:",omitempty"` // managed by the cloud (AWSOwner), read-only
	Tags     map[string]string
}

// Version is the list's current version (0 before it has any entries).
func (p PrefixList) Version() int64 { return int64(len(p.Versions)) }

// Entries returns the list's current entries, sorted by CIDR.
func (p PrefixList) Entries() []PrefixListEntry {
	if len(p.Versions) == 0 {
		return nil
	}
	return slices.Clone(p.Versions[len(p.Versions)-1])
}

// CIDRs returns the list's current CIDRs.
func (p PrefixList) CIDRs() []netip.Prefix {
	var out []netip.Prefix
	for _, e := range p.Entries() {
		out = append(out, e.CIDR)
	}
	return out
}

// weight is how many entries a reference to the list counts for.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html#reference-managed-prefix-list — a reference counts as the list's maximum entries against the resource's quota
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html#aws-managed-prefix-list-weights — an AWS-managed list counts as its weight
func (p PrefixList) weight() int {
	if p.Managed {
		return p.Weight
	}
	return p.MaxEntries
}

func (p *PrefixList) ref() ref { return ref{KindPrefixList, p.ID, p.Account} }

func (p *PrefixList) copy(c *Cloud) PrefixList {
	out := *p
	out.Meta = c.metaLocked(p.ID)
	out.Versions = make([][]PrefixListEntry, len(p.Versions))
	for i, v := range p.Versions {
		out.Versions[i] = slices.Clone(v)
	}
	out.Tags = c.tagsLocked(p.ID)
	return out
}

// The prefix list quotas.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-prefix-lists — 100 prefix lists per Region, 1,000 versions per list, 1,000 entries per list
const (
	maxPrefixLists        = 100
	maxPrefixListVersions = 1000
	maxPrefixListEntries  = 1000
)

// PrefixListSpec is what CreatePrefixList makes a list from.
type PrefixListSpec struct {
	Region     string
	Name       string
	IPv6       bool
	MaxEntries int
	Entries    []PrefixListEntry
	Tags       map[string]string
}

// checkEntries checks entries for a list of the given family: CIDRs of
// that family, stored canonical, no CIDR twice.
func checkEntries(id string, ipv6 bool, entries []PrefixListEntry) ([]PrefixListEntry, error) {
	out := make([]PrefixListEntry, 0, len(entries))
	seen := map[netip.Prefix]bool{}
	for _, e := range entries {
		if !e.CIDR.IsValid() || e.CIDR.Addr().Is6() != ipv6 || e.CIDR.Addr().Is4In6() {
			fam := "IPv4"
			if ipv6 {
				fam = "IPv6"
			}
			return nil, errf(CodeInvalidParameter, KindPrefixListEntry, id, "The CIDR %s is not a valid %s CIDR for prefix list %s.", e.CIDR.String(), fam, id)
		}
		e.CIDR = e.CIDR.Masked()
		if seen[e.CIDR] {
			return nil, errf(CodeInvalidParameter, KindPrefixListEntry, id, "The CIDR %s is specified more than once.", e.CIDR.String())
		}
		seen[e.CIDR] = true
		out = append(out, e)
	}
	sortEntries(out)
	return out, nil
}

func sortEntries(es []PrefixListEntry) {
	slices.SortFunc(es, func(a, b PrefixListEntry) int {
		if c := a.CIDR.Addr().Compare(b.CIDR.Addr()); c != 0 {
			return c
		}
		return a.CIDR.Bits() - b.CIDR.Bits()
	})
}

// CreatePrefixList makes a customer-managed prefix list; with entries it
// has version 1, without it has none yet.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateManagedPrefixList.html — name, max entries, address family, entries
func (c *Cloud) CreatePrefixList(account string, spec PrefixListSpec) (PrefixList, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return PrefixList{}, err
	}
	if spec.Name == "" || len(spec.Name) > 255 || strings.HasPrefix(spec.Name, "com.amazonaws") {
		return PrefixList{}, errf(CodeInvalidParameter, KindPrefixList, spec.Name, "The prefix list name '%s' is not valid: 1 to 255 characters, not starting with com.amazonaws.", spec.Name)
	}
	if spec.MaxEntries < 1 || spec.MaxEntries > maxPrefixListEntries {
		return PrefixList{}, errf(CodeInvalidParameter, KindPrefixList, spec.Name, "The maximum number of entries must be between 1 and %d.", maxPrefixListEntries)
	}
	if c.prefixLists.count(func(p *PrefixList) bool { return p.Account == account && p.Region == spec.Region }) >= maxPrefixLists {
		return PrefixList{}, errf(CodeQuotaExceeded, KindPrefixList, "prefix-lists-per-region", "the maximum number of prefix lists (%d) is reached for account %s%s", maxPrefixLists, account, regionSuffix(spec.Region))
	}
	entries, err := checkEntries(spec.Name, spec.IPv6, spec.Entries)
	if err != nil {
		return PrefixList{}, err
	}
	if len(entries) > spec.MaxEntries {
		return PrefixList{}, errf(CodeLimitExceeded, KindPrefixList, spec.Name, "The prefix list would have %d entries, more than its maximum of %d.", len(entries), spec.MaxEntries)
	}
	id, err := c.newIDLocked(account, KindPrefixList, Place{Region: spec.Region})
	if err != nil {
		return PrefixList{}, err
	}
	p := &PrefixList{ID: id, Account: account, Region: spec.Region, Name: spec.Name, IPv6: spec.IPv6,
		MaxEntries: spec.MaxEntries, State: PrefixListCreateComplete}
	if len(entries) > 0 {
		p.Versions = [][]PrefixListEntry{entries}
	}
	c.prefixLists.put(p)
	c.registerLocked(KindPrefixList, id, account, spec.Region, spec.Tags)
	return p.copy(c), nil
}

// prefixListLocked returns a list the account may read: its own, or one
// the cloud manages (in any region: the caller filters by region).
func (c *Cloud) prefixListLocked(account, id string) (*PrefixList, error) {
	if p, ok := c.prefixLists[id]; ok && p.Account == account {
		return p, nil
	}
	if p, ok := servicePrefixListByID(id); ok {
		return &p, nil
	}
	return nil, notFound(KindPrefixList, id)
}

// ownPrefixListLocked returns one of the account's own lists for a
// change; a managed list cannot be changed.
func (c *Cloud) ownPrefixListLocked(account, id string) (*PrefixList, error) {
	p, err := c.prefixListLocked(account, id)
	if err != nil {
		return nil, err
	}
	if p.Managed {
		return nil, errf(CodeInvalidParameter, KindPrefixList, id, "The prefix list %s is managed by AWS and cannot be modified.", id)
	}
	return p, nil
}

// PrefixList returns a list the account owns or the cloud manages.
func (c *Cloud) PrefixList(account, id string) (PrefixList, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, err := c.prefixListLocked(account, id)
	if err != nil {
		return PrefixList{}, err
	}
	if p.Managed {
		return *p, nil
	}
	return p.copy(c), nil
}

// PrefixLists returns the account's own lists and the managed lists of
// every region, sorted by ID.
func (c *Cloud) PrefixLists(account string) []PrefixList {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := c.prefixLists.list(c, account)
	out = append(out, ServicePrefixLists()...)
	slices.SortFunc(out, func(a, b PrefixList) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// PrefixListChange is a ModifyPrefixList request: what is not set is not
// changed. Entries and MaxEntries cannot change together.
type PrefixListChange struct {
	CurrentVersion *int64 // required when entries change
	Name           *string
	Add            []PrefixListEntry
	Remove         []netip.Prefix
	MaxEntries     *int
}

// ModifyPrefixList changes a list's name, entries or size; a change of
// entries makes a new version and needs the current version.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyManagedPrefixList.html — adding or removing entries creates a new version; a current version that does not match fails; entries and size cannot change together
func (c *Cloud) ModifyPrefixList(account, id string, ch PrefixListChange) (PrefixList, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.ownPrefixListLocked(account, id)
	if err != nil {
		return PrefixList{}, err
	}
	entriesChange := len(ch.Add) > 0 || len(ch.Remove) > 0
	if entriesChange && ch.MaxEntries != nil {
		return PrefixList{}, errf(CodeInvalidParameter, KindPrefixList, id, "You cannot modify the entries of a prefix list and modify the size of a prefix list at the same time.")
	}
	if ch.CurrentVersion != nil && *ch.CurrentVersion != p.Version() {
		return PrefixList{}, errf(CodeConflict, KindPrefixList, id, "The prefix list has the incorrect version number.")
	}
	if ch.Name != nil && (*ch.Name == "" || len(*ch.Name) > 255 || strings.HasPrefix(*ch.Name, "com.amazonaws")) {
		return PrefixList{}, errf(CodeInvalidParameter, KindPrefixList, id, "The prefix list name '%s' is not valid: 1 to 255 characters, not starting with com.amazonaws.", *ch.Name)
	}
	var next []PrefixListEntry
	if entriesChange {
		if ch.CurrentVersion == nil {
			return PrefixList{}, errf(CodeInvalidParameter, KindPrefixList, id, "The current version is required to modify the entries of prefix list %s.", id)
		}
		if next, err = applyEntries(p, ch.Add, ch.Remove); err != nil {
			return PrefixList{}, err
		}
		if len(p.Versions) >= maxPrefixListVersions {
			return PrefixList{}, errf(CodeLimitExceeded, KindPrefixList, id, "The prefix list %s has reached its maximum number of versions (%d).", id, maxPrefixListVersions)
		}
	}
	if ch.MaxEntries != nil {
		if err := c.resizePrefixListLocked(p, *ch.MaxEntries); err != nil {
			return PrefixList{}, err
		}
	}
	if ch.Name != nil {
		p.Name = *ch.Name
	}
	if entriesChange {
		p.Versions = append(p.Versions, next)
	}
	p.State = PrefixListModifyComplete
	c.prefixListChangedLocked(p)
	return p.copy(c), nil
}

// applyEntries returns a list's entries with add added (a CIDR it has
// already gets the new description) and remove removed, each removed CIDR
// one the list has.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html — each CIDR is an entry with an optional description
func applyEntries(p *PrefixList, add []PrefixListEntry, remove []netip.Prefix) ([]PrefixListEntry, error) {
	cur := p.Entries()
	for _, r := range remove {
		r = r.Masked()
		i := slices.IndexFunc(cur, func(e PrefixListEntry) bool { return e.CIDR == r })
		if i < 0 {
			return nil, errf(CodeInvalidParameter, KindPrefixListEntry, p.ID, "The request cannot be completed. The CIDR %s does not exist.", r.String())
		}
		cur = slices.Delete(cur, i, i+1)
	}
	added, err := checkEntries(p.ID, p.IPv6, add)
	if err != nil {
		return nil, err
	}
	for _, a := range added {
		if i := slices.IndexFunc(cur, func(e PrefixListEntry) bool { return e.CIDR == a.CIDR }); i >= 0 {
			cur[i].Description = a.Description
			continue
		}
		cur = append(cur, a)
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyManagedPrefixList.html — the list cannot hold more than its maximum entries
	if len(cur) > p.MaxEntries {
		return nil, errf(CodeLimitExceeded, KindPrefixList, p.ID, "The prefix list %s would have %d entries, more than its maximum of %d.", p.ID, len(cur), p.MaxEntries)
	}
	sortEntries(cur)
	return cur, nil
}

// resizePrefixListLocked sets a list's MaxEntries: not below its entries,
// and not beyond what the route tables and rule sets that refer to it
// can hold.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html#resize-managed-prefix-list — if a referencing resource cannot support the new size, the modify fails
func (c *Cloud) resizePrefixListLocked(p *PrefixList, size int) error {
	if size < 1 || size > maxPrefixListEntries {
		return errf(CodeInvalidParameter, KindPrefixList, p.ID, "The maximum number of entries must be between 1 and %d.", maxPrefixListEntries)
	}
	if n := len(p.Entries()); size < n {
		return errf(CodeInvalidParameter, KindPrefixList, p.ID, "The prefix list %s has %d entries; its maximum cannot be %d.", p.ID, n, size)
	}
	old := p.MaxEntries
	p.MaxEntries = size
	lim, _ := c.limitsLocked(p.Account)
	for _, rt := range c.routeTables.sorted() {
		if rt.Account == p.Account && c.routeWeightLocked(rt) > lim.RoutesPerTable {
			p.MaxEntries = old
			return errf(CodeLimitExceeded, KindRoute, p.ID, "The prefix list %s cannot be resized to %d: route table %s would exceed its maximum of %d routes.", p.ID, size, rt.ID, lim.RoutesPerTable)
		}
	}
	for _, s := range c.ruleSets.sorted() {
		if s.Account == p.Account && s.Flavor == FlavorSecurityGroup && c.ruleWeightLocked(s.Account, s.Rules) > lim.RulesPerGroupDirection {
			p.MaxEntries = old
			return errf(CodeLimitExceeded, KindSecurityRule, p.ID, "The prefix list %s cannot be resized to %d: security group %s would exceed its maximum of %d rules.", p.ID, size, s.ID, lim.RulesPerGroupDirection)
		}
	}
	return nil
}

// RestorePrefixListVersion makes the entries of an earlier version the
// list's new version.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RestoreManagedPrefixListVersion.html — restores the entries from a previous version to a new version
func (c *Cloud) RestorePrefixListVersion(account, id string, previous, current int64) (PrefixList, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.ownPrefixListLocked(account, id)
	if err != nil {
		return PrefixList{}, err
	}
	if current != p.Version() {
		return PrefixList{}, errf(CodeConflict, KindPrefixList, id, "The prefix list has the incorrect version number.")
	}
	if previous < 1 || previous >= p.Version() {
		return PrefixList{}, errf(CodeInvalidParameter, KindPrefixList, id, "The version %d of prefix list %s cannot be restored: choose a version from 1 to %d.", previous, id, p.Version()-1)
	}
	restored := slices.Clone(p.Versions[previous-1])
	if len(restored) > p.MaxEntries {
		return PrefixList{}, errf(CodeLimitExceeded, KindPrefixList, id, "The prefix list %s would have %d entries, more than its maximum of %d.", id, len(restored), p.MaxEntries)
	}
	p.Versions = append(p.Versions, restored)
	p.State = PrefixListRestoreComplete
	c.prefixListChangedLocked(p)
	return p.copy(c), nil
}

// PrefixListEntries returns a list's entries at a version (0: the current
// one).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetManagedPrefixListEntries.html — TargetVersion, the version of the list
func (c *Cloud) PrefixListEntries(account, id string, version int64) ([]PrefixListEntry, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, err := c.prefixListLocked(account, id)
	if err != nil {
		return nil, err
	}
	if version == 0 {
		return p.Entries(), nil
	}
	if version < 0 || version > p.Version() {
		return nil, errf(CodeInvalidParameter, KindPrefixList, id, "The version %d of prefix list %s does not exist.", version, id)
	}
	return slices.Clone(p.Versions[version-1]), nil
}

// PrefixListAssociation is a resource that refers to a prefix list.
type PrefixListAssociation struct {
	ResourceID string // a route table or a rule set
	Owner      string // its account
}

// PrefixListAssociations returns the account's route tables and rule sets
// that refer to a list, sorted by ID.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetManagedPrefixListAssociations.html — the resources that are associated with the prefix list
func (c *Cloud) PrefixListAssociations(account, id string) ([]PrefixListAssociation, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if _, err := c.prefixListLocked(account, id); err != nil {
		return nil, err
	}
	return c.prefixListUsersLocked(account, id), nil
}

// prefixListUsersLocked lists the account's route tables and rule sets
// that refer to a list.
func (c *Cloud) prefixListUsersLocked(account, id string) []PrefixListAssociation {
	var out []PrefixListAssociation
	for _, rt := range c.routeTables.sorted() {
		if rt.Account == account && slices.ContainsFunc(rt.Routes, func(r Route) bool { return r.PrefixListID == id }) {
			out = append(out, PrefixListAssociation{ResourceID: rt.ID, Owner: rt.Account})
		}
	}
	for _, s := range c.ruleSets.sorted() {
		if s.Account == account && slices.ContainsFunc(s.Rules, func(r Rule) bool { return r.Peer.PrefixListID == id }) {
			out = append(out, PrefixListAssociation{ResourceID: s.ID, Owner: s.Account})
		}
	}
	return out
}

// prefixListChangedLocked announces a list's change, and one of every
// route table and rule set that refers to it (their realized routes and
// rules change with it).
func (c *Cloud) prefixListChangedLocked(p *PrefixList) {
	c.emitLocked(KindPrefixList, OpUpdate, p.ID, p.Account)
	for _, u := range c.prefixListUsersLocked(p.Account, p.ID) {
		c.emitLocked(c.owners[u.ResourceID].kind, OpUpdate, u.ResourceID, p.Account)
	}
}

// DeletePrefixList deletes a list that nothing refers to.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html#delete-managed-prefix-list — remove the references to the list before you delete it
func (c *Cloud) DeletePrefixList(account, id string) (PrefixList, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.ownPrefixListLocked(account, id)
	if err != nil {
		return PrefixList{}, err
	}
	if users := c.prefixListUsersLocked(account, id); len(users) > 0 {
		return PrefixList{}, errf(CodeDependency, KindPrefixList, id, "The prefix list %s is in use by %s and cannot be deleted.", id, users[0].ResourceID)
	}
	out := p.copy(c)
	delete(c.prefixLists, id)
	c.forgetLocked(KindPrefixList, id, account)
	out.State = "delete-complete"
	return out, nil
}

// prefixListCIDRsLocked returns the current CIDRs of a list the account
// may use, for the realized routes and rules (PrefixListCIDRs).
func (c *Cloud) prefixListCIDRsLocked(account, id string) []netip.Prefix {
	p, err := c.prefixListLocked(account, id)
	if err != nil {
		return nil
	}
	return p.CIDRs()
}

// PrefixListCIDRs returns the current CIDRs of a list the account owns or
// the cloud manages; none for a list that does not exist.
func (c *Cloud) PrefixListCIDRs(account, id string) []netip.Prefix {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.prefixListCIDRsLocked(account, id)
}

// checkPrefixListRefLocked checks a reference from a table or set of the
// account in region to a list: it exists, is the account's or the
// cloud's, and lives in that region.
func (c *Cloud) checkPrefixListRefLocked(account, region, id string) (*PrefixList, error) {
	p, err := c.prefixListLocked(account, id)
	// The default region (the empty one) takes any managed list: the
	// model does not know which region it stands for.
	if err != nil || (p.Region != region && !(p.Managed && region == "")) {
		return nil, notFound(KindPrefixList, id)
	}
	return p, nil
}
