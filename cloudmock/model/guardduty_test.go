package model

import (
	"bytes"
	"net/netip"
	"regexp"
	"testing"
	"time"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// gdInstance launches an instance in region with an elastic IP on its
// interface.
func gdInstance(t *testing.T, c *Cloud, region string) (Instance, ElasticIP) {
	t.Helper()
	n, err := c.CreateNetworkAt(acct, Place{Region: region}, pfx("10.1.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSubnetAt(acct, n.ID, Place{Region: region}, pfx("10.1.1.0/24"), region+"a", nil)
	if err != nil {
		t.Fatal(err)
	}
	is, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, ImageID: "ami-1", Type: "t3.micro", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.AllocateAddressAt(acct, Place{Region: region}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AssociateAddress(acct, e.ID, is[0].ID); err != nil {
		t.Fatal(err)
	}
	return is[0], e
}

func TestDetectorOnePerAccountAndRegion(t *testing.T) {
	c := newCloud(t)
	d, err := c.CreateDetector(acct, "us-east-1", DetectorSpec{Enable: true})
	if err != nil {
		t.Fatal(err)
	}
	if !hex32.MatchString(d.ID) || d.Status != DetectorEnabled || d.FindingPublishingFrequency != DefaultPublishingFrequency {
		t.Fatalf("detector %+v: want 32 hex digits, ENABLED, SIX_HOURS", d)
	}
	_, err = c.CreateDetector(acct, "us-east-1", DetectorSpec{Enable: true})
	wantCode(t, err, CodeAlreadyExists)
	eu, err := c.CreateDetector(acct, "eu-west-1", DetectorSpec{Tags: map[string]string{"k": "v"}})
	if err != nil || eu.Tags["k"] != "v" {
		t.Fatalf("a detector in a second region: %+v, %v", eu, err)
	}
	// GuardDuty's tags are its own: EC2's tag listing does not show them.
	if tags := c.Tags(acct); len(tags) != 0 {
		t.Fatalf("EC2 tags list GuardDuty's: %+v", tags)
	}
	off := false
	if d, err = c.UpdateDetector(acct, d.ID, DetectorUpdate{Enable: &off, FindingPublishingFrequency: "FIFTEEN_MINUTES"}); err != nil ||
		d.Status != DetectorDisabled || d.FindingPublishingFrequency != "FIFTEEN_MINUTES" {
		t.Fatalf("UpdateDetector: %+v, %v", d, err)
	}
	if err := c.DeleteDetector(acct, d.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Detector(acct, d.ID)
	wantCode(t, err, CodeNotFound)
	if got := len(c.Detectors(acct)); got != 1 {
		t.Fatalf("%d detectors left, want 1", got)
	}
}

func TestParseThreatList(t *testing.T) {
	got, err := ParseThreatList("# attackers\n::ffff:203.0.113.7\n\n198.51.100.0/24\n2001:db8::1\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{pfx("203.0.113.7/32"), pfx("198.51.100.0/24"), pfx("2001:db8::1/128")}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if _, err := ParseThreatList("203.0.113.7\nevil.example\n"); err == nil {
		t.Fatal("a name in a TXT list parsed")
	}
}

func TestRecordFindingFromThreatList(t *testing.T) {
	c := newCloud(t)
	inst, eip := gdInstance(t, c, "us-east-1")
	attacker := netip.MustParseAddr("203.0.113.7")
	obs := Observation{InstanceID: inst.ID, Remote: attacker, RemotePort: 40000, LocalPort: 80}
	_, _, err := c.RecordFinding(acct, obs)
	wantCode(t, err, CodeIncorrectState) // no detector yet
	d, err := c.CreateDetector(acct, "us-east-1", DetectorSpec{Enable: true})
	if err != nil {
		t.Fatal(err)
	}
	// The lab puts the list's content at its S3 location before the set
	// exists; the set reads it when made.
	if err := c.PutThreatList(acct, "s3://lists/bad.txt", []netip.Prefix{pfx("203.0.113.0/28")}); err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateThreatIntelSet(acct, d.ID, ThreatIntelSetSpec{Name: "bad", Format: ThreatListTXT, Location: "s3://lists/bad.txt"})
	if err != nil || s.Status() != ThreatIntelInactive || len(s.Addresses) != 1 {
		t.Fatalf("CreateThreatIntelSet: %+v, %v", s, err)
	}
	if _, ok := c.ThreatMatch(acct, "us-east-1", attacker); ok {
		t.Fatal("an inactive set matched")
	}
	_, _, err = c.RecordFinding(acct, obs)
	wantCode(t, err, CodeInvalidParameter)
	on := true
	if _, err := c.UpdateThreatIntelSet(acct, d.ID, s.ID, ThreatIntelSetUpdate{Activate: &on}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	obs.At = t0
	f, created, err := c.RecordFinding(acct, obs)
	if err != nil || !created {
		t.Fatalf("RecordFinding: %v, %v", created, err)
	}
	want := Finding{ID: f.ID, Account: acct, Region: "us-east-1", DetectorID: d.ID, Type: FindingMaliciousIPCallerCustom,
		Severity: SeverityMedium, ThreatListName: "bad", Count: 1, FirstSeen: t0, LastSeen: t0}
	if !hex32.MatchString(f.ID) || f.Account != want.Account || f.Region != want.Region || f.DetectorID != want.DetectorID ||
		f.Type != want.Type || f.Severity != want.Severity || f.ThreatListName != want.ThreatListName || f.Count != 1 ||
		!f.FirstSeen.Equal(t0) || !f.LastSeen.Equal(t0) || f.Archived {
		t.Fatalf("finding %+v, want %+v", f, want)
	}
	r := f.Resource
	if r.InstanceID != inst.ID || r.NetworkInterfaceID != inst.NetworkInterfaceID || r.PublicIP != eip.PublicIP ||
		r.PrivateIP != inst.PrivateIP || r.Zone != "us-east-1a" || r.SubnetID != inst.SubnetID {
		t.Fatalf("resource %+v", r)
	}
	if n := f.Connection; n.Direction != ConnectionInbound || n.Remote != attacker || n.LocalPort != 80 || n.Blocked {
		t.Fatalf("connection %+v", n)
	}
	// A second occurrence is aggregated; archiving keeps it archived.
	if err := c.SetFindingsArchived(acct, d.ID, []string{f.ID}, true); err != nil {
		t.Fatal(err)
	}
	obs.At = t0.Add(time.Minute)
	g, created, err := c.RecordFinding(acct, obs)
	if err != nil || created || g.ID != f.ID || g.Count != 2 || !g.LastSeen.Equal(obs.At) || !g.FirstSeen.Equal(t0) || !g.Archived {
		t.Fatalf("second occurrence: %+v, %v, %v", g, created, err)
	}
	err = c.SetFindingsArchived(acct, d.ID, []string{f.ID, "0123456789abcdef0123456789abcdef"}, false)
	wantCode(t, err, CodeNotFound)
	if g, _ := c.Finding(acct, d.ID, f.ID); !g.Archived {
		t.Fatal("a failed unarchive changed the finding")
	}
}

func TestSampleFindingsAndDetectorDelete(t *testing.T) {
	c := newCloud(t)
	d, err := c.CreateDetector(acct, "us-east-1", DetectorSpec{Enable: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateSampleFindings(acct, d.ID, []string{"Nope:EC2/Nothing"})
	wantCode(t, err, CodeInvalidParameter)
	fs, err := c.CreateSampleFindings(acct, d.ID, []string{FindingMaliciousIPCallerCustom})
	if err != nil || len(fs) != 1 || !fs[0].Sample || fs[0].Title[:8] != "[SAMPLE]" {
		t.Fatalf("samples %+v, %v", fs, err)
	}
	all, err := c.CreateSampleFindings(acct, d.ID, nil)
	if err != nil || len(all) != len(SampleFindingTypes()) {
		t.Fatalf("all samples: %d, %v", len(all), err)
	}
	if _, err := c.CreateThreatIntelSet(acct, d.ID, ThreatIntelSetSpec{Name: "x", Location: "s3://b/x"}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteDetector(acct, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.KindOf(acct, fs[0].ID); err == nil {
		t.Fatal("a deleted detector's finding is still known")
	}
}

func TestGuardDutySnapshotRoundTrip(t *testing.T) {
	c := newCloud(t)
	inst, _ := gdInstance(t, c, "us-east-1")
	d, _ := c.CreateDetector(acct, "us-east-1", DetectorSpec{Enable: true, Tags: map[string]string{"k": "v"}})
	if _, err := c.CreateThreatIntelSet(acct, d.ID, ThreatIntelSetSpec{Name: "bad", Location: "s3://b/bad.txt", Activate: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.PutThreatList(acct, "s3://b/bad.txt", []netip.Prefix{pfx("203.0.113.7/32")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.RecordFinding(acct, Observation{InstanceID: inst.ID, Remote: netip.MustParseAddr("203.0.113.7"), LocalPort: 443}); err != nil {
		t.Fatal(err)
	}
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	b2, _, _ := r.Snapshot()
	if !bytes.Equal(b, b2) {
		t.Fatalf("restored snapshot differs:\n%s\n%s", b, b2)
	}
	if fs, err := r.Findings(acct, d.ID); err != nil || len(fs) != 1 || fs[0].Resource.InstanceID != inst.ID {
		t.Fatalf("restored findings %+v, %v", fs, err)
	}
	if _, ok := r.ThreatMatch(acct, "us-east-1", netip.MustParseAddr("203.0.113.7")); !ok {
		t.Fatal("restored threat list does not match")
	}
	if _, err := r.CreateDetector(acct, "us-east-1", DetectorSpec{}); CodeOf(err) != CodeAlreadyExists {
		t.Fatalf("second detector after restore: %v", err)
	}
}
