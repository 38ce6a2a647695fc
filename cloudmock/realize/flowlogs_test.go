package realize

import (
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// dialPort connects from namespace ns to addr:port, reads the greeting
// and returns the client's port.
func dialPort(ns string, addr netip.Addr, port int) (int, error) {
	var local int
	err := netns.Do(ns, func() error {
		c, err := net.DialTimeout("tcp4", net.JoinHostPort(addr.String(), strconv.Itoa(port)), 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		local = c.LocalAddr().(*net.TCPAddr).Port
		c.SetDeadline(time.Now().Add(2 * time.Second))
		_, err = c.Read(make([]byte, 2))
		return err
	})
	return local, err
}

// recordsOf waits until a stream of a log group holds a record that has
// every one of the fields want (by index in the default format), and
// returns it; it fails the test at the deadline.
func recordsOf(t *testing.T, c *model.Cloud, region, group, stream string, want map[int]string) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var last []string
		if g, err := c.LogGroup(acct, region, group); err == nil && g.Streams[stream] != nil {
			for _, e := range g.Streams[stream].Events {
				last = append(last, e.Message)
				f := strings.Fields(e.Message)
				ok := len(f) == 14
				for i, v := range want {
					ok = ok && f[i] == v
				}
				if ok {
					return f
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no record with %v in %s/%s; records: %q", want, group, stream, last)
		}
		time.Sleep(50 * time.Millisecond) // polling the model's state, with a deadline
	}
}

// A TCP connection between two instances appears in a VPC's flow log as
// ACCEPT records of each interface, both directions, with the addresses,
// ports and the packets and bytes the kernel counted, in the log group's
// stream of each interface and in the lab's file; a connection the
// server's security group refuses is the client's ACCEPT (its SYN left)
// and the server's REJECT, also in a flow log of REJECT traffic only.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html — accepted traffic, one record per direction and interface
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html — a log stream per network interface
func TestFlowLogRecords(t *testing.T) {
	dir := t.TempDir()
	l := newLabWith(t, func(o *Options) { o.FlowLogInterval, o.FlowLogDir = time.Second, dir })
	v := l.vpc("10.0.0.0/16")
	s := l.subnet(v, "10.0.1.0/24")
	web := must[model.RuleSet](t)(createGroup(l.cloud, v.ID, "web", "web", nil))
	_, err := addGroupRules(l.cloud, web.ID, model.Ingress, []sgRule{{Protocol: "tcp", FromPort: 80, ToPort: 80, Prefix: netip.MustParsePrefix("10.0.0.0/16")}})
	l.ok(err)
	client, server := l.instance(s, web.ID), l.instance(s, web.ID)
	fl := must[model.FlowLog](t)(l.cloud.CreateFlowLog(acct, model.Place{}, model.FlowLogSpec{ResourceType: model.FlowLogVPC,
		ResourceID: v.ID, TrafficType: model.TrafficAll, LogGroupName: "vpc-flows", DeliverLogsPermissionARN: "arn:aws:iam::111122223333:role/fl"}))
	rejects := must[model.FlowLog](t)(l.cloud.CreateFlowLog(acct, model.Place{}, model.FlowLogSpec{ResourceType: model.FlowLogNetworkInterface,
		ResourceID: server.NetworkInterfaceID, TrafficType: model.TrafficReject, LogGroupName: "rejects", DeliverLogsPermissionARN: "arn:aws:iam::111122223333:role/fl"}))
	l.sync()
	l.serve(l.ns(server), server.PrivateIP, 80)
	l.serve(l.ns(server), server.PrivateIP, 81)

	port, err := dialPort(l.ns(client), server.PrivateIP, 80)
	l.ok(err)
	cIP, sIP, cPort := client.PrivateIP.String(), server.PrivateIP.String(), strconv.Itoa(port)
	// Default format: 0 version, 1 account, 2 interface, 3 src, 4 dst, 5
	// srcport, 6 dstport, 7 protocol, 8 packets, 9 bytes, 10 start, 11
	// end, 12 action, 13 log-status.
	out := recordsOf(t, l.cloud, v.Region, "vpc-flows", client.NetworkInterfaceID,
		map[int]string{0: "2", 1: acct, 2: client.NetworkInterfaceID, 3: cIP, 4: sIP, 5: cPort, 6: "80", 7: "6", 12: "ACCEPT", 13: "OK"})
	back := recordsOf(t, l.cloud, v.Region, "vpc-flows", client.NetworkInterfaceID,
		map[int]string{3: sIP, 4: cIP, 5: "80", 6: cPort, 12: "ACCEPT"})
	in := recordsOf(t, l.cloud, v.Region, "vpc-flows", server.NetworkInterfaceID,
		map[int]string{2: server.NetworkInterfaceID, 3: cIP, 4: sIP, 5: cPort, 6: "80", 12: "ACCEPT"})
	for _, r := range [][]string{out, back, in} {
		packets, _ := strconv.Atoi(r[8])
		bytes, _ := strconv.Atoi(r[9])
		// A connection that reads a greeting: at least SYN, ACK, FIN one
		// way, SYN-ACK, the greeting, FIN the other, 40 bytes each or more.
		if packets < 3 || bytes < 40*packets {
			t.Errorf("record %q: want at least 3 packets of 40 bytes", r)
		}
		start, _ := strconv.ParseInt(r[10], 10, 64)
		end, _ := strconv.ParseInt(r[11], 10, 64)
		if start > end || time.Since(time.Unix(start, 0)) > time.Minute {
			t.Errorf("record %q: start %d end %d", r, start, end)
		}
	}
	b, err := os.ReadFile(FlowLogFile(dir, fl.ID))
	l.ok(err)
	if want := strings.Join(out, " "); !strings.Contains(string(b), want+"\n") {
		t.Errorf("the lab's file %s lacks %q:\n%s", FlowLogFile(dir, fl.ID), want, b)
	}

	// Port 81 is refused by the server's group: the client's interface
	// sent the SYN (its own group allows egress), and records it as
	// ACCEPT as AWS does; the server's records it as REJECT, in both flow
	// logs, and no ACCEPT for it.
	if _, err := dialPort(l.ns(client), server.PrivateIP, 81); err == nil {
		t.Fatal("port 81 connected, but the group allows only 80")
	}
	_, err = dialPort(l.ns(client), server.PrivateIP, 80) // a positive control after it
	l.ok(err)
	time.Sleep(2 * time.Second) // two windows: a negative check gives the watch time to err
	recordsOf(t, l.cloud, v.Region, "vpc-flows", client.NetworkInterfaceID, map[int]string{3: cIP, 4: sIP, 6: "81", 12: "ACCEPT"})
	for _, group := range []string{"vpc-flows", "rejects"} {
		r := recordsOf(t, l.cloud, v.Region, group, server.NetworkInterfaceID,
			map[int]string{2: server.NetworkInterfaceID, 3: cIP, 4: sIP, 6: "81", 7: "6", 12: "REJECT"})
		t.Logf("%s: %s", group, strings.Join(r, " "))
		if p, _ := strconv.Atoi(r[8]); p < 1 || r[9] == "0" {
			t.Errorf("REJECT record %q: no packets or bytes", r)
		}
	}
	g := must[model.LogGroup](t)(l.cloud.LogGroup(acct, v.Region, "rejects"))
	for _, e := range g.Streams[server.NetworkInterfaceID].Events {
		if !strings.Contains(e.Message, " REJECT OK") {
			t.Errorf("the REJECT flow log %s holds %q", rejects.ID, e.Message)
		}
	}
	g = must[model.LogGroup](t)(l.cloud.LogGroup(acct, v.Region, "vpc-flows"))
	for _, e := range g.Streams[server.NetworkInterfaceID].Events {
		if f := strings.Fields(e.Message); (f[6] == "81" || f[5] == "81") && f[12] == "ACCEPT" {
			t.Errorf("the server's ACCEPT record of the refused connection: %q", e.Message)
		}
	}
}

// A ping that a network ACL denies at the router is a REJECT record of the
// interface it was for, ICMP with ports 0, in a subnet's flow log; a ping
// the ACL allows is ACCEPT.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html — traffic a network ACL denies is recorded as REJECT
func TestFlowLogNetworkACLReject(t *testing.T) {
	l := newLabWith(t, func(o *Options) { o.FlowLogInterval = time.Second })
	v := l.vpc("10.0.0.0/16")
	sa, sb := l.subnet(v, "10.0.1.0/24"), l.subnet(v, "10.0.2.0/24")
	g := l.openGroup(v, "open", "10.0.0.0/16")
	a, b := l.instance(sa, g.ID), l.instance(sb, g.ID)
	acl := must[model.RuleSet](t)(l.cloud.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorNetworkACL, NetworkID: v.ID}))
	_, err := l.cloud.AddRules(acct, model.FlavorNetworkACL, acl.ID, []model.Rule{
		aclRule(100, false, false, "icmp", netip.PrefixFrom(a.PrivateIP, 32), -1, -1),
		aclRule(200, false, true, "-1", anyIPv4, -1, -1), aclRule(100, true, true, "-1", anyIPv4, -1, -1)})
	l.ok(err)
	l.useACL(sb, acl.ID)
	must[model.FlowLog](t)(l.cloud.CreateFlowLog(acct, model.Place{}, model.FlowLogSpec{ResourceType: model.FlowLogSubnet,
		ResourceID: sb.ID, TrafficType: model.TrafficAll, LogGroupName: "sb", DeliverLogsPermissionARN: "arn:aws:iam::111122223333:role/fl"}))
	l.sync()
	l.pingFails(l.ns(a), b.PrivateIP)
	r := recordsOf(t, l.cloud, v.Region, "sb", b.NetworkInterfaceID,
		map[int]string{2: b.NetworkInterfaceID, 3: a.PrivateIP.String(), 4: b.PrivateIP.String(), 5: "0", 6: "0", 7: "1", 12: "REJECT"})
	t.Logf("%s", strings.Join(r, " "))
	l.ok(l.cloud.DeleteRule(acct, model.FlavorNetworkACL, acl.ID, model.Ingress, 100))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP)
	recordsOf(t, l.cloud, v.Region, "sb", b.NetworkInterfaceID, map[int]string{3: a.PrivateIP.String(), 4: b.PrivateIP.String(), 7: "1", 12: "ACCEPT"})
}

// useACL makes a subnet use a network ACL instead of its current one.
func (l *lab) useACL(s model.Subnet, acl string) {
	l.t.Helper()
	for _, x := range l.cloud.RuleSets(acct, model.FlavorNetworkACL) {
		for _, as := range x.Attachments {
			if as.TargetID == s.ID {
				must[string](l.t)(l.cloud.ReplaceRuleSetAttachment(acct, model.FlavorNetworkACL, as.ID, acl))
			}
		}
	}
}

// IPv6 flows are logged as IPv4 ones are: a ping between two dual-stack
// instances is an ACCEPT record of protocol 58 with the instances' IPv6
// addresses, on both interfaces.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html — srcaddr and dstaddr: the IPv4 or IPv6 address
func TestFlowLogIPv6(t *testing.T) {
	l := newLabWith(t, func(o *Options) { o.FlowLogInterval, o.FlowLogDir = time.Second, t.TempDir() })
	v, sub64 := l.dualStack("10.61.0.0/16")
	s := l.subnet6(v, "10.61.1.0/24", sub64(1))
	a, b := l.instance6(s), l.instance6(s)
	_ = must[model.FlowLog](t)(l.cloud.CreateFlowLog(acct, model.Place{}, model.FlowLogSpec{ResourceType: model.FlowLogVPC,
		ResourceID: v.ID, TrafficType: model.TrafficAll, LogGroupName: "vpc-flows6", DeliverLogsPermissionARN: "arn:aws:iam::111122223333:role/fl"}))
	l.sync()
	a6, b6 := a.IPv6Addrs[0], b.IPv6Addrs[0]
	l.pingOK(l.ns(b), a6)
	recordsOf(t, l.cloud, v.Region, "vpc-flows6", a.NetworkInterfaceID, map[int]string{3: b6.String(), 4: a6.String(), 7: "58", 12: "ACCEPT"})
	recordsOf(t, l.cloud, v.Region, "vpc-flows6", b.NetworkInterfaceID, map[int]string{3: b6.String(), 4: a6.String(), 7: "58", 12: "ACCEPT"})
}
