package model

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"net/netip"
	"time"
)

// GuardDuty: a threat detection service of an account in one region. A
// detector is the service turned on; threat intel sets are lists of
// malicious addresses it watches for; findings are what it raised. The
// lab raises findings from the flows it really sees (RecordFinding) where
// GuardDuty raises them from VPC flow logs, and gives the lists their
// contents (PutThreatList, SetThreatIntelAddresses) where GuardDuty reads
// them from S3. Findings, sets and detectors name no kernel objects.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/what-is-guardduty.html — GuardDuty analyses VPC flow logs among other sources and raises findings

// The kinds of GuardDuty's objects.
const (
	KindDetector       Kind = "guardduty-detector"
	KindThreatIntelSet Kind = "guardduty-threat-intel-set"
	KindFinding        Kind = "guardduty-finding"
)

// The statuses of a detector.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetDetector.html — status ENABLED | DISABLED
const (
	DetectorEnabled  = "ENABLED"
	DetectorDisabled = "DISABLED"
)

// DefaultPublishingFrequency is a new detector's findingPublishingFrequency.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html — findingPublishingFrequency defaults to SIX_HOURS
const DefaultPublishingFrequency = "SIX_HOURS"

// Detector is GuardDuty turned on for an account in a region.
type Detector struct {
	ID      string // 32 hex digits
	Account string
	Region  string
	// Status is DetectorEnabled or DetectorDisabled: a disabled detector
	// raises no findings.
	Status                     string
	FindingPublishingFrequency string
	CreatedAt, UpdatedAt       time.Time
	// Tags are GuardDuty's own (TagResource), kept on the object and not
	// with EC2's tags (Cloud.Tags), which list only EC2's resources.
	Tags map[string]string
}

func (d *Detector) ref() ref { return ref{KindDetector, d.ID, d.Account} }

func (d *Detector) copy(*Cloud) Detector {
	out := *d
	out.Tags = cloneTags(d.Tags)
	return out
}

// cloneTags copies GuardDuty tags: an empty map for none.
func cloneTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t))
	maps.Copy(out, t)
	return out
}

// guardDuty is the GuardDuty part of a Cloud, guarded by its lock.
type guardDuty struct {
	detectors table[Detector, *Detector]
	intelSets table[ThreatIntelSet, *ThreatIntelSet]
	findings  table[Finding, *Finding]
	// lists are the contents the lab put at threat list locations, by
	// account and location (threatListKey): its stand-in for S3 objects.
	lists map[string][]netip.Prefix
}

func newGuardDuty() guardDuty {
	return guardDuty{detectors: table[Detector, *Detector]{}, intelSets: table[ThreatIntelSet, *ThreatIntelSet]{},
		findings: table[Finding, *Finding]{}, lists: map[string][]netip.Prefix{}}
}

// newHex32ID returns 32 random lower-case hex digits: the shape of
// GuardDuty's detector, threat intel set and finding IDs.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html — example detectorId 12abc34d567e8fa901bc2d34e56789f0
func newHex32ID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("model: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// DetectorSpec says what CreateDetector makes.
type DetectorSpec struct {
	Enable                     bool
	FindingPublishingFrequency string // "" is DefaultPublishingFrequency
	Tags                       map[string]string
}

// CreateDetector turns GuardDuty on for the account in a region. An
// account has at most one detector per region.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html — you can have only one detector per account per Region
func (c *Cloud) CreateDetector(account, region string, spec DetectorSpec) (Detector, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.limitsLocked(account); err != nil {
		return Detector{}, err
	}
	for _, d := range c.gd.detectors {
		if d.Account == account && d.Region == region {
			return Detector{}, errf(CodeAlreadyExists, KindDetector, d.ID, "The request is rejected because a detector already exists for the current account.")
		}
	}
	id, err := c.newIDLocked(account, KindDetector, Place{Region: region})
	if err != nil {
		return Detector{}, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	d := &Detector{ID: id, Account: account, Region: region, Status: detectorStatus(spec.Enable),
		FindingPublishingFrequency: spec.FindingPublishingFrequency, CreatedAt: now, UpdatedAt: now, Tags: cloneTags(spec.Tags)}
	if d.FindingPublishingFrequency == "" {
		d.FindingPublishingFrequency = DefaultPublishingFrequency
	}
	c.gd.detectors.put(d)
	c.registerLocked(KindDetector, id, account, region, nil)
	return d.copy(c), nil
}

func detectorStatus(enable bool) string {
	if enable {
		return DetectorEnabled
	}
	return DetectorDisabled
}

// Detector returns one of the account's detectors.
func (c *Cloud) Detector(account, id string) (Detector, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gd.detectors.one(c, account, id)
}

// Detectors returns the account's detectors, sorted by ID.
func (c *Cloud) Detectors(account string) []Detector {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gd.detectors.list(c, account)
}

// DetectorUpdate says what UpdateDetector changes; nil fields stay.
type DetectorUpdate struct {
	Enable                     *bool
	FindingPublishingFrequency string // "" keeps it
}

// UpdateDetector turns a detector on or off, or changes how often it
// publishes findings.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateDetector.html — enable, findingPublishingFrequency
func (c *Cloud) UpdateDetector(account, id string, u DetectorUpdate) (Detector, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.gd.detectors.get(account, id)
	if err != nil {
		return Detector{}, err
	}
	if u.Enable != nil {
		d.Status = detectorStatus(*u.Enable)
	}
	if u.FindingPublishingFrequency != "" {
		d.FindingPublishingFrequency = u.FindingPublishingFrequency
	}
	d.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	c.emitLocked(KindDetector, OpUpdate, id, account)
	return d.copy(c), nil
}

// DeleteDetector turns GuardDuty off: the detector goes with its threat
// intel sets and its findings.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-suspend-disable.html — disabling GuardDuty deletes its existing findings and configurations
func (c *Cloud) DeleteDetector(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.gd.detectors.get(account, id); err != nil {
		return err
	}
	for sid, s := range c.gd.intelSets {
		if s.DetectorID == id {
			delete(c.gd.intelSets, sid)
			c.forgetLocked(KindThreatIntelSet, sid, account)
		}
	}
	for fid, f := range c.gd.findings {
		if f.DetectorID == id {
			delete(c.gd.findings, fid)
			c.forgetLocked(KindFinding, fid, account)
		}
	}
	delete(c.gd.detectors, id)
	c.forgetLocked(KindDetector, id, account)
	return nil
}

// detectorInLocked returns the account's detector in a region, if any.
func (c *Cloud) detectorInLocked(account, region string) (*Detector, bool) {
	for _, d := range c.gd.detectors {
		if d.Account == account && d.Region == region {
			return d, true
		}
	}
	return nil, false
}

// guardDutySnapshot is GuardDuty's part of a snapshot (snapshot.go).
type guardDutySnapshot struct {
	Detectors       []*Detector       `json:"guardDutyDetectors,omitempty"`
	ThreatIntelSets []*ThreatIntelSet `json:"guardDutyThreatIntelSets,omitempty"`
	Findings        []*Finding        `json:"guardDutyFindings,omitempty"`
	// ThreatLists are the contents put at threat list locations, by
	// account and location.
	ThreatLists map[string][]netip.Prefix `json:"guardDutyThreatLists,omitempty"`
}

// snapshotLocked returns GuardDuty's objects as a snapshot stores them.
func (g *guardDuty) snapshotLocked() guardDutySnapshot {
	s := guardDutySnapshot{Detectors: g.detectors.sorted(), ThreatIntelSets: g.intelSets.sorted(), Findings: g.findings.sorted()}
	if len(g.lists) > 0 {
		s.ThreatLists = g.lists
	}
	return s
}

// restoreGuardDuty loads a snapshot's GuardDuty objects into an empty
// guardDuty, setting *err (once).
func restoreGuardDuty(err *error, g *guardDuty, s guardDutySnapshot) {
	loadTable(err, g.detectors, s.Detectors)
	loadTable(err, g.intelSets, s.ThreatIntelSets)
	loadTable(err, g.findings, s.Findings)
	for k, v := range s.ThreatLists {
		g.lists[k] = v
	}
}
