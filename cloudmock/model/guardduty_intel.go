package model

import (
	"bufio"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// ThreatIntelSet is a list of known malicious addresses that a detector
// watches for: traffic from one of them to the account's instances is a
// finding while the set is active.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_upload-lists.html — threat lists: known malicious IP addresses; GuardDuty generates findings based on them
type ThreatIntelSet struct {
	ID         string // 32 hex digits
	Account    string
	Region     string // its detector's
	DetectorID string
	Name       string
	Format     string // ThreatListTXT
	// Location is where the list is read from: an s3:// or https:// URL
	// whose content the lab puts there (PutThreatList), or a file:// path
	// that the front-end reads when the set is made or updated.
	Location string
	// Active says that the detector uses the list (status ACTIVE; else
	// INACTIVE).
	Active bool
	// Addresses are the list's addresses and CIDR ranges as GuardDuty
	// loaded them.
	Addresses []netip.Prefix
	Tags      map[string]string // GuardDuty's own, as a detector's
}

// ThreatListTXT is the plain-text format: one address or CIDR range a line.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_upload-lists.html — Plaintext (TXT): one IP address or CIDR range per line
const ThreatListTXT = "TXT"

// The statuses of a threat intel set the model holds. A change is in force
// when its call returns, so ACTIVATING and DEACTIVATING are never seen.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetThreatIntelSet.html — status INACTIVE | ACTIVATING | ACTIVE | DEACTIVATING | ERROR | DELETE_PENDING | DELETED
const (
	ThreatIntelActive   = "ACTIVE"
	ThreatIntelInactive = "INACTIVE"
)

// MaxThreatIntelSets is how many threat intel sets a detector may have.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_limits.html — ThreatIntelSets per account per Region: 6
const MaxThreatIntelSets = 6

// Status is the set's status word.
func (s ThreatIntelSet) Status() string {
	if s.Active {
		return ThreatIntelActive
	}
	return ThreatIntelInactive
}

func (s *ThreatIntelSet) ref() ref { return ref{KindThreatIntelSet, s.ID, s.Account} }

func (s *ThreatIntelSet) copy(*Cloud) ThreatIntelSet {
	out := *s
	out.Addresses = slices.Clone(s.Addresses)
	out.Tags = cloneTags(s.Tags)
	return out
}

// ThreatIntelSetSpec says what CreateThreatIntelSet makes.
type ThreatIntelSetSpec struct {
	Name, Format, Location string
	Activate               bool
	// Addresses, when not nil, are the list's content as read from a
	// file:// location; nil takes what PutThreatList put at the location.
	Addresses []netip.Prefix
	Tags      map[string]string
}

// ParseThreatList reads a list in the TXT format: one IPv4 or IPv6 address
// or CIDR range a line. Blank lines and lines starting with '#' are
// skipped; anything else that does not parse is an error naming its line.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_upload-lists.html — TXT: one IP address or CIDR range per line
func ParseThreatList(text string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p, err := netip.ParsePrefix(line)
		if err != nil {
			a, aerr := netip.ParseAddr(line)
			if aerr != nil {
				return nil, fmt.Errorf("threat list line %d: %q is not an address or CIDR range", n, clip(line))
			}
			a = a.Unmap() // ::ffff:203.0.113.7 is the IPv4 address
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read threat list: %w", err)
	}
	return out, nil
}

func threatListKey(account, location string) string { return account + "\x00" + location }

// CreateThreatIntelSet adds a threat list to a detector.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateThreatIntelSet.html — name, format, location, activate
func (c *Cloud) CreateThreatIntelSet(account, detectorID string, spec ThreatIntelSetSpec) (ThreatIntelSet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.gd.detectors.get(account, detectorID)
	if err != nil {
		return ThreatIntelSet{}, err
	}
	if spec.Name == "" || spec.Location == "" {
		return ThreatIntelSet{}, errf(CodeInvalidParameter, KindThreatIntelSet, "", "a threat intel set needs a name and a location")
	}
	if spec.Format == "" {
		spec.Format = ThreatListTXT
	}
	n := 0
	for _, s := range c.gd.intelSets {
		if s.DetectorID == detectorID {
			n++
			if s.Name == spec.Name {
				return ThreatIntelSet{}, errf(CodeAlreadyExists, KindThreatIntelSet, s.ID, "The request is rejected because a threat intel set named '%s' already exists.", spec.Name)
			}
		}
	}
	if n >= MaxThreatIntelSets {
		return ThreatIntelSet{}, errf(CodeLimitExceeded, KindThreatIntelSet, "", "The request is rejected because the number of threat intel sets would exceed %d.", MaxThreatIntelSets)
	}
	id, err := c.newIDLocked(account, KindThreatIntelSet, Place{Region: d.Region})
	if err != nil {
		return ThreatIntelSet{}, err
	}
	s := &ThreatIntelSet{ID: id, Account: account, Region: d.Region, DetectorID: detectorID, Name: spec.Name,
		Format: spec.Format, Location: spec.Location, Active: spec.Activate, Addresses: slices.Clone(spec.Addresses), Tags: cloneTags(spec.Tags)}
	if spec.Addresses == nil {
		s.Addresses = slices.Clone(c.gd.lists[threatListKey(account, spec.Location)])
	}
	c.gd.intelSets.put(s)
	c.registerLocked(KindThreatIntelSet, id, account, d.Region, nil)
	return s.copy(c), nil
}

// threatIntelSetLocked returns the account's set of a detector.
func (c *Cloud) threatIntelSetLocked(account, detectorID, id string) (*ThreatIntelSet, error) {
	if _, err := c.gd.detectors.get(account, detectorID); err != nil {
		return nil, err
	}
	s, err := c.gd.intelSets.get(account, id)
	if err != nil || s.DetectorID != detectorID {
		return nil, notFound(KindThreatIntelSet, id)
	}
	return s, nil
}

// ThreatIntelSet returns one of a detector's sets.
func (c *Cloud) ThreatIntelSet(account, detectorID, id string) (ThreatIntelSet, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, err := c.threatIntelSetLocked(account, detectorID, id)
	if err != nil {
		return ThreatIntelSet{}, err
	}
	return s.copy(c), nil
}

// ThreatIntelSets returns a detector's sets, sorted by ID.
func (c *Cloud) ThreatIntelSets(account, detectorID string) ([]ThreatIntelSet, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if _, err := c.gd.detectors.get(account, detectorID); err != nil {
		return nil, err
	}
	return c.gd.intelSets.listWhere(c, func(s *ThreatIntelSet) bool { return s.Account == account && s.DetectorID == detectorID }), nil
}

// ThreatIntelSetUpdate says what UpdateThreatIntelSet changes; empty and
// nil fields stay.
type ThreatIntelSetUpdate struct {
	Name, Location string
	Activate       *bool
	// Addresses, when not nil, are the content read from a new file://
	// location.
	Addresses []netip.Prefix
}

// UpdateThreatIntelSet renames, moves, activates or deactivates a set. A
// new location is read again: from Addresses, or from what PutThreatList
// put there.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateThreatIntelSet.html — name, location, activate
func (c *Cloud) UpdateThreatIntelSet(account, detectorID, id string, u ThreatIntelSetUpdate) (ThreatIntelSet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.threatIntelSetLocked(account, detectorID, id)
	if err != nil {
		return ThreatIntelSet{}, err
	}
	if u.Name != "" {
		s.Name = u.Name
	}
	if u.Location != "" && u.Location != s.Location {
		s.Location = u.Location
		s.Addresses = slices.Clone(c.gd.lists[threatListKey(account, u.Location)])
	}
	if u.Addresses != nil {
		s.Addresses = slices.Clone(u.Addresses)
	}
	if u.Activate != nil {
		s.Active = *u.Activate
	}
	c.emitLocked(KindThreatIntelSet, OpUpdate, id, account)
	return s.copy(c), nil
}

// DeleteThreatIntelSet removes a set from its detector.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DeleteThreatIntelSet.html — deletes the ThreatIntelSet specified by the ThreatIntelSet ID
func (c *Cloud) DeleteThreatIntelSet(account, detectorID, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.threatIntelSetLocked(account, detectorID, id); err != nil {
		return err
	}
	delete(c.gd.intelSets, id)
	c.forgetLocked(KindThreatIntelSet, id, account)
	return nil
}

// SetThreatIntelAddresses sets the addresses of one threat intel set, as
// if GuardDuty had read them from its location: how the lab gives a set
// whose location it cannot fetch its content.
func (c *Cloud) SetThreatIntelAddresses(account, detectorID, id string, addrs []netip.Prefix) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.threatIntelSetLocked(account, detectorID, id)
	if err != nil {
		return err
	}
	s.Addresses = maskAll(addrs)
	c.emitLocked(KindThreatIntelSet, OpUpdate, id, account)
	return nil
}

// PutThreatList puts a threat list's content at a location (an s3:// or
// https:// URL) for the account: the lab's stand-in for the S3 object.
// Every set of the account with that location is given the content now,
// as GuardDuty reloads a list when it changes, and a set made or moved
// there later reads it. A nil addrs removes the content.
func (c *Cloud) PutThreatList(account, location string, addrs []netip.Prefix) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return err
	}
	key := threatListKey(account, location)
	if addrs == nil {
		delete(c.gd.lists, key)
	} else {
		c.gd.lists[key] = maskAll(addrs)
	}
	for _, s := range c.gd.intelSets.sorted() {
		if s.Account == account && s.Location == location {
			s.Addresses = maskAll(addrs)
			c.emitLocked(KindThreatIntelSet, OpUpdate, s.ID, account)
		}
	}
	c.emitLocked(KindAccount, OpUpdate, account, account)
	return nil
}

func maskAll(addrs []netip.Prefix) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(addrs))
	for _, p := range addrs {
		out = append(out, p.Masked())
	}
	return out
}

// ThreatMatch returns the active threat intel set that lists addr, of the
// account's enabled detector in the region: what tells the lab that a
// flow from addr is a MaliciousIPCaller.Custom finding. Of several sets
// that list it, the one with the lowest ID is returned.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html#unauthorizedaccess-ec2-maliciousipcallercustom — an instance communicates with an IP address on a custom threat list
func (c *Cloud) ThreatMatch(account, region string, addr netip.Addr) (ThreatIntelSet, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.threatMatchLocked(account, region, addr)
	if !ok {
		return ThreatIntelSet{}, false
	}
	return s.copy(c), true
}

func (c *Cloud) threatMatchLocked(account, region string, addr netip.Addr) (*ThreatIntelSet, bool) {
	d, ok := c.detectorInLocked(account, region)
	if !ok || d.Status != DetectorEnabled {
		return nil, false
	}
	addr = addr.Unmap()
	for _, s := range c.gd.intelSets.sorted() {
		if s.DetectorID != d.ID || !s.Active {
			continue
		}
		for _, p := range s.Addresses {
			if p.Contains(addr) {
				return s, true
			}
		}
	}
	return nil, false
}
