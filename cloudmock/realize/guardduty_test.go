package realize

import (
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// dialFrom connects from source address src in namespace ns to addr:port
// and reads the greeting.
func dialFrom(ns string, src, addr netip.Addr, port int) error {
	return netns.Do(ns, func() error {
		d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: src.AsSlice()}}
		c, err := d.Dial("tcp4", net.JoinHostPort(addr.String(), strconv.Itoa(port)))
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		_, err = c.Read(make([]byte, 2))
		return err
	})
}

// findingsOf waits until the detector has want findings (or the deadline)
// and returns them.
func findingsOf(t *testing.T, c *model.Cloud, detector string, want int, count int) []model.Finding {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		fs, err := c.Findings(acct, detector)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, f := range fs {
			total += f.Count
		}
		if len(fs) >= want && total >= count || time.Now().After(deadline) {
			return fs
		}
		time.Sleep(20 * time.Millisecond) // polling the model's state, with a deadline
	}
}

// Flows from the internet to an instance's elastic IP become
// MaliciousIPCaller.Custom findings when the client's address is on an
// active threat list, one finding per instance and address whose count
// grows with each new connection; other clients raise none.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html#unauthorizedaccess-ec2-maliciousipcallercustom — an instance communicating with an address on a custom threat list
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-summary.html — later occurrences are aggregated into the finding (count)
// gdLab is a public web instance (an elastic IP, port 80 open) in a lab
// whose internet holds an attacker on an active threat list and another
// client, with GuardDuty on.
type gdLab struct {
	*lab
	attacker, client netip.Addr
	v                model.Network
	s                model.Subnet
	i                model.Instance
	eip              model.ElasticIP
	d                model.Detector
}

func newGuardDutyLab(t *testing.T) gdLab {
	t.Helper()
	attacker, client := netip.MustParseAddr("192.0.2.66"), netip.MustParseAddr("192.0.2.77")
	cfg := internetConfig(t)
	l := newLabWith(t, func(o *Options) { o.Internet, o.InternetAddresses = cfg, []netip.Addr{attacker, client} })
	v := l.vpc("10.0.0.0/16")
	s := l.subnet(v, "10.0.1.0/24")
	g := must[model.RuleSet](t)(createGroup(l.cloud, v.ID, "web", "web", nil))
	_, err := addGroupRules(l.cloud, g.ID, model.Ingress, []sgRule{{Protocol: "tcp", FromPort: 80, ToPort: 80, Prefix: anyIPv4}})
	l.ok(err)
	i := l.instance(s, g.ID)
	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v.ID))
	l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, anyIPv4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))
	eip := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	l.ok(l.cloud.AssociateAddress(acct, eip.ID, i.ID))
	d := must[model.Detector](t)(l.cloud.CreateDetector(acct, i.Region, model.DetectorSpec{Enable: true}))
	must[model.ThreatIntelSet](t)(l.cloud.CreateThreatIntelSet(acct, d.ID, model.ThreatIntelSetSpec{Name: "bad", Location: "s3://lab/bad.txt",
		Activate: true, Addresses: []netip.Prefix{netip.MustParsePrefix("192.0.2.64/30"), netip.MustParsePrefix("198.51.100.0/24")}}))
	l.sync()
	l.serve(l.ns(i), i.PrivateIP, 80)
	return gdLab{lab: l, attacker: attacker, client: client, v: v, s: s, i: i, eip: eip, d: d}
}

func TestGuardDutyFindingsFromFlows(t *testing.T) {
	x := newGuardDutyLab(t)
	l, attacker, client, s, i, eip, d := x.lab, x.attacker, x.client, x.s, x.i, x.eip, x.d
	l.ok(dialFrom(l.r.internetNS(), client, eip.PublicIP, 80))
	start := time.Now()
	l.ok(dialFrom(l.r.internetNS(), attacker, eip.PublicIP, 80))
	fs := findingsOf(t, l.cloud, d.ID, 1, 1)
	t.Logf("finding after %v", time.Since(start))
	if len(fs) != 1 {
		t.Fatalf("findings = %+v, want one", fs)
	}
	f := fs[0]
	if f.Type != model.FindingMaliciousIPCallerCustom || f.Connection.Remote != attacker || f.Connection.LocalPort != 80 ||
		f.Resource.InstanceID != i.ID || f.Resource.SubnetID != s.ID || f.Resource.PublicIP != eip.PublicIP || f.ThreatListName != "bad" || f.Count != 1 {
		t.Errorf("finding = %+v", f)
	}
	l.ok(dialFrom(l.r.internetNS(), attacker, eip.PublicIP, 80)) // a new connection: a new occurrence
	fs = findingsOf(t, l.cloud, d.ID, 1, 2)
	if len(fs) != 1 || fs[0].Count != 2 {
		t.Errorf("after a second connection: findings = %+v, want one with count 2", fs)
	}
	l.ok(dialFrom(l.r.internetNS(), client, eip.PublicIP, 80))
	time.Sleep(3 * flowPoll) // a negative: give the watch polls in which it could err
	if fs, _ := l.cloud.Findings(acct, d.ID); len(fs) != 1 || fs[0].Count != 2 {
		t.Errorf("the other client raised a finding: %+v", fs)
	}
}

// A connection from an attacker that the instance's subnet's network ACL
// denies is a finding too, with the connection blocked: the ACL's drop is
// a REJECT flow of the router.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_NetworkConnectionAction.html — blocked: whether the network connection attempt was blocked
func TestGuardDutyFindingOfBlockedFlow(t *testing.T) {
	x := newGuardDutyLab(t)
	l := x.lab
	acl := must[model.RuleSet](t)(l.cloud.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorNetworkACL, NetworkID: x.v.ID}))
	_, err := l.cloud.AddRules(acct, model.FlavorNetworkACL, acl.ID, []model.Rule{
		aclRule(100, false, false, "-1", netip.PrefixFrom(x.attacker, 32), -1, -1),
		aclRule(200, false, true, "-1", anyIPv4, -1, -1), aclRule(100, true, true, "-1", anyIPv4, -1, -1)})
	l.ok(err)
	l.useACL(x.s, acl.ID)
	l.sync()
	l.ok(dialFrom(l.r.internetNS(), x.client, x.eip.PublicIP, 80)) // the positive control: the ACL lets others in
	if err := dialFrom(l.r.internetNS(), x.attacker, x.eip.PublicIP, 80); err == nil {
		t.Fatal("the attacker connected through the ACL's deny")
	}
	fs := findingsOf(t, l.cloud, x.d.ID, 1, 1)
	if len(fs) != 1 || !fs[0].Connection.Blocked || fs[0].Connection.Remote != x.attacker || fs[0].Connection.LocalPort != 80 ||
		fs[0].Resource.InstanceID != x.i.ID || fs[0].Resource.PublicIP != x.eip.PublicIP {
		t.Errorf("findings = %+v, want one of a blocked connection from %s", fs, x.attacker)
	}
}
