package model

import (
	"net/netip"
	"slices"
	"time"
)

// Finding is one potential security issue a detector raised about a
// resource: here, an instance that an address on a threat list talked to.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html — id, type, severity, resource, service (action, count, eventFirstSeen, eventLastSeen, archived)
type Finding struct {
	ID         string // 32 hex digits
	Account    string
	Region     string // its detector's
	DetectorID string
	Type       string // e.g. FindingMaliciousIPCallerCustom
	Severity   float64
	Title      string
	// Description says what happened, in GuardDuty's words.
	Description string
	Resource    FindingInstance
	Connection  NetworkConnection
	// ThreatListName is the threat intel set that listed the remote
	// address, for a MaliciousIPCaller.Custom finding.
	ThreatListName string
	// Count is how many times the activity was seen: each new occurrence
	// of the same activity is aggregated into the finding.
	Count                int
	FirstSeen, LastSeen  time.Time // the activity's first and last occurrence
	CreatedAt, UpdatedAt time.Time
	Archived             bool
	// Sample marks a finding that CreateSampleFindings made.
	Sample bool
}

// FindingInstance is the instance a finding is about, as it was when the
// finding was raised.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_InstanceDetails.html — InstanceDetails with its network interfaces
type FindingInstance struct {
	InstanceID, InstanceType, InstanceState, ImageID string
	Zone                                             string
	LaunchTime                                       time.Time
	NetworkInterfaceID, SubnetID, NetworkID          string
	PrivateIP, PublicIP                              netip.Addr
	SecurityGroupIDs                                 []string
	Tags                                             map[string]string
}

// NetworkConnection is the network activity of a finding.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_NetworkConnectionAction.html — connectionDirection, protocol, localPortDetails, remoteIpDetails, remotePortDetails, blocked
type NetworkConnection struct {
	Direction  string // ConnectionInbound or ConnectionOutbound
	Protocol   string // TCP, UDP or ICMP
	Local      netip.Addr
	LocalPort  int
	Remote     netip.Addr
	RemotePort int
	// Blocked says that the connection was blocked (by a security group
	// or ACL) before it reached the instance.
	Blocked bool
}

// Connection directions.
const (
	ConnectionInbound  = "INBOUND"
	ConnectionOutbound = "OUTBOUND"
)

// FindingMaliciousIPCallerCustom is the finding an instance raises by
// talking to an address on a custom threat list.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html#unauthorizedaccess-ec2-maliciousipcallercustom — UnauthorizedAccess:EC2/MaliciousIPCaller.Custom, default severity Medium
const FindingMaliciousIPCallerCustom = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"

// SeverityMedium is the severity of a Medium finding.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html — Medium: 4.0 to 6.9; High: 7.0 to 8.9; Low: 1.0 to 3.9
const SeverityMedium = 5.0

func (f *Finding) ref() ref { return ref{KindFinding, f.ID, f.Account} }

func (f *Finding) copy(*Cloud) Finding {
	out := *f
	out.Resource.SecurityGroupIDs = slices.Clone(f.Resource.SecurityGroupIDs)
	if f.Resource.Tags != nil {
		out.Resource.Tags = make(map[string]string, len(f.Resource.Tags))
		for k, v := range f.Resource.Tags {
			out.Resource.Tags[k] = v
		}
	}
	return out
}

// Observation is one occurrence of activity the lab saw and GuardDuty
// would have seen in the flow logs: what RecordFinding turns into a
// finding.
type Observation struct {
	Type       string // "" is FindingMaliciousIPCallerCustom
	InstanceID string // the instance that the activity reached or came from
	Direction  string // "" is ConnectionInbound
	Protocol   string // "" is TCP
	Local      netip.Addr
	LocalPort  int
	Remote     netip.Addr
	RemotePort int
	Blocked    bool
	// ThreatListName is the set that lists Remote; "" looks it up
	// (ThreatMatch).
	ThreatListName string
	At             time.Time // the zero time is now
}

// RecordFinding raises a finding, as GuardDuty raises one from the flow
// logs, for activity the lab saw at one of the account's instances in a
// region: a new finding, or a new occurrence of an existing one (same
// type, instance, direction and remote address), whose count and last
// seen time it raises. An archived finding takes the occurrence and stays
// archived. It needs an enabled detector of the account in the
// instance's region, and for a MaliciousIPCaller.Custom finding an active
// threat intel set that lists the remote address unless ThreatListName
// names one. It returns the finding and whether it is new.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-summary.html — subsequent occurrences of a finding are aggregated into it: count, eventLastSeen and updatedAt change
func (c *Cloud) RecordFinding(account string, o Observation) (Finding, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	inst, err := c.instanceLocked(account, o.InstanceID)
	if err != nil {
		return Finding{}, false, err
	}
	d, ok := c.detectorInLocked(account, inst.Region)
	if !ok || d.Status != DetectorEnabled {
		return Finding{}, false, errf(CodeIncorrectState, KindDetector, "", "no enabled detector of account %s in region %q", account, inst.Region)
	}
	fillObservation(&o)
	if o.ThreatListName == "" && o.Type == FindingMaliciousIPCallerCustom {
		s, ok := c.threatMatchLocked(account, inst.Region, o.Remote)
		if !ok {
			return Finding{}, false, errf(CodeInvalidParameter, KindFinding, o.Remote.String(), "no active threat intel set lists %s", o.Remote)
		}
		o.ThreatListName = s.Name
	}
	for _, f := range c.gd.findings {
		if f.DetectorID == d.ID && !f.Sample && f.Type == o.Type && f.Resource.InstanceID == inst.ID &&
			f.Connection.Direction == o.Direction && f.Connection.Remote == o.Remote {
			f.Count++
			f.LastSeen = maxTime(f.LastSeen, o.At)
			f.FirstSeen = minTime(f.FirstSeen, o.At)
			f.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
			f.Connection.LocalPort, f.Connection.RemotePort, f.Connection.Blocked = o.LocalPort, o.RemotePort, o.Blocked
			c.emitLocked(KindFinding, OpUpdate, f.ID, account)
			return f.copy(c), false, nil
		}
	}
	id, err := c.newIDLocked(account, KindFinding, Place{Region: d.Region})
	if err != nil {
		return Finding{}, false, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	f := &Finding{ID: id, Account: account, Region: d.Region, DetectorID: d.ID, Type: o.Type, Severity: SeverityMedium,
		Resource: c.findingInstanceLocked(inst, o.Local), ThreatListName: o.ThreatListName, Count: 1,
		FirstSeen: o.At, LastSeen: o.At, CreatedAt: now, UpdatedAt: now,
		Connection: NetworkConnection{Direction: o.Direction, Protocol: o.Protocol, LocalPort: o.LocalPort,
			Remote: o.Remote, RemotePort: o.RemotePort, Blocked: o.Blocked}}
	f.Connection.Local = f.Resource.PrivateIP
	f.Title, f.Description = findingText(f)
	c.gd.findings.put(f)
	c.registerLocked(KindFinding, id, account, d.Region, nil)
	return f.copy(c), true, nil
}

func fillObservation(o *Observation) {
	if o.Type == "" {
		o.Type = FindingMaliciousIPCallerCustom
	}
	if o.Direction == "" {
		o.Direction = ConnectionInbound
	}
	if o.Protocol == "" {
		o.Protocol = "TCP"
	}
	if o.At.IsZero() {
		o.At = time.Now()
	}
	o.At = o.At.UTC().Truncate(time.Millisecond)
	o.Remote = o.Remote.Unmap()
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// findingInstanceLocked describes an instance for a finding: its primary
// interface, its subnet's zone and the public address the activity used
// (local), or the elastic IP of its interface.
func (c *Cloud) findingInstanceLocked(i *Instance, local netip.Addr) FindingInstance {
	r := FindingInstance{InstanceID: i.ID, InstanceType: i.Type, InstanceState: string(i.State), ImageID: i.ImageID,
		LaunchTime: i.LaunchTime, NetworkInterfaceID: i.NetworkInterfaceID, SubnetID: i.SubnetID, NetworkID: i.NetworkID,
		PrivateIP: i.PrivateIP, PublicIP: local.Unmap(), SecurityGroupIDs: slices.Clone(i.SecurityGroupIDs), Tags: c.tagsLocked(i.ID)}
	if e, ok := c.enis[i.NetworkInterfaceID]; ok {
		r.SecurityGroupIDs = slices.Clone(e.SecurityGroupIDs)
	}
	if s, ok := c.subnets[i.SubnetID]; ok {
		r.Zone = s.Zone
	}
	if !r.PublicIP.IsValid() {
		for _, e := range c.eips.sorted() {
			if e.Associate == i.NetworkInterfaceID && i.NetworkInterfaceID != "" {
				r.PublicIP = e.PublicIP
			}
		}
	}
	return r
}

// findingText is a finding's title and description, as GuardDuty words
// them for its type.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html#unauthorizedaccess-ec2-maliciousipcallercustom — "An EC2 instance is communicating with an IP address on a custom threat list"
func findingText(f *Finding) (string, string) {
	if f.Type == FindingMaliciousIPCallerCustom {
		title := "Unusual inbound communication seen from EC2 instance " + f.Resource.InstanceID + " on a custom threat list."
		desc := "EC2 instance " + f.Resource.InstanceID + " is communicating with a remote host on the custom threat list " +
			f.ThreatListName + " (IP address " + f.Connection.Remote.String() + ")."
		if f.Connection.Direction == ConnectionOutbound {
			title = "Unusual outbound communication seen from EC2 instance " + f.Resource.InstanceID + " on a custom threat list."
		}
		return title, desc
	}
	return "Finding " + f.Type + " on EC2 instance " + f.Resource.InstanceID + ".", "GuardDuty finding " + f.Type + "."
}

// Finding returns one of a detector's findings.
func (c *Cloud) Finding(account, detectorID, id string) (Finding, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if _, err := c.gd.detectors.get(account, detectorID); err != nil {
		return Finding{}, err
	}
	f, err := c.gd.findings.get(account, id)
	if err != nil || f.DetectorID != detectorID {
		return Finding{}, notFound(KindFinding, id)
	}
	return f.copy(c), nil
}

// Findings returns a detector's findings, sorted by ID.
func (c *Cloud) Findings(account, detectorID string) ([]Finding, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if _, err := c.gd.detectors.get(account, detectorID); err != nil {
		return nil, err
	}
	return c.gd.findings.listWhere(c, func(f *Finding) bool { return f.Account == account && f.DetectorID == detectorID }), nil
}

// SetFindingsArchived archives or unarchives findings of a detector, all
// or none: an ID that is not the detector's finding fails the call.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ArchiveFindings.html — archives the findings specified by the list of finding IDs
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UnarchiveFindings.html — unarchives them
func (c *Cloud) SetFindingsArchived(account, detectorID string, ids []string, archived bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.gd.detectors.get(account, detectorID); err != nil {
		return err
	}
	for _, id := range ids {
		if f, err := c.gd.findings.get(account, id); err != nil || f.DetectorID != detectorID {
			return notFound(KindFinding, id)
		}
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, id := range ids {
		f := c.gd.findings[id]
		if f.Archived != archived {
			f.Archived, f.UpdatedAt = archived, now
			c.emitLocked(KindFinding, OpUpdate, id, account)
		}
	}
	return nil
}
