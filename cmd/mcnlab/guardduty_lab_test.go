package main

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// connectFrom opens a TCP connection from source address src in namespace
// ns to dst:80 and reads one byte.
func connectFrom(ns string, src, dst netip.Addr, timeout time.Duration) error {
	return netns.Do(ns, func() error {
		d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: src.AsSlice()}}
		c, err := d.Dial("tcp4", netip.AddrPortFrom(dst, 80).String())
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		_, err = c.Read(make([]byte, 1))
		return err
	})
}

// labGuardDuty is a GuardDuty client of the lab's cloud and its detector,
// once the controller has made it with an active threat intel set.
func labGuardDuty(t *testing.T, lab string, limit time.Duration) (*guardduty.Client, string) {
	t.Helper()
	lc, err := mcnlab.ReadEndpoint(lab, "aws")
	if err != nil {
		t.Fatal(err)
	}
	gd := guardduty.New(guardduty.Options{Region: lc.Region, BaseEndpoint: sdkaws.String(lc.URL),
		Credentials: credentials.NewStaticCredentialsProvider(lc.Credentials.KeyID, lc.Credentials.Secret, "")})
	ctx := context.Background()
	for deadline := time.Now().Add(limit); ; {
		if ds, err := gd.ListDetectors(ctx, &guardduty.ListDetectorsInput{}); err == nil && len(ds.DetectorIds) == 1 {
			id := ds.DetectorIds[0]
			if ss, err := gd.ListThreatIntelSets(ctx, &guardduty.ListThreatIntelSetsInput{DetectorId: &id}); err == nil && len(ss.ThreatIntelSetIds) == 1 {
				s, err := gd.GetThreatIntelSet(ctx, &guardduty.GetThreatIntelSetInput{DetectorId: &id, ThreatIntelSetId: &ss.ThreatIntelSetIds[0]})
				if err == nil && s.Status == gdtypes.ThreatIntelSetStatusActive {
					return gd, id
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no detector with an active threat intel set %s after deploy", limit)
		}
		time.Sleep(50 * time.Millisecond) // polling the cloud's API, bounded
	}
}

// awsCLI runs the AWS CLI against the lab's cloud, as `mcnlab cloudmock
// env` points it, and decodes its JSON answer into out.
func awsCLI(t *testing.T, lab string, out any, args ...string) {
	t.Helper()
	env, _, err := run(t, "cloudmock", "env", "--lab", lab)
	if err != nil {
		t.Fatalf("cloudmock env: %v", err)
	}
	// As a user does: eval the lines in a shell, then plain aws (the lines
	// also define a function that passes --endpoint-url to CLIs that
	// ignore AWS_ENDPOINT_URL, such as Debian's awscli 2.9).
	sh := append([]string{"-c", `eval "$1"; shift; aws --output json "$@"`, "sh", env}, args...)
	cmd := exec.Command("/bin/sh", sh...)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("aws %s: decode %s: %v", strings.Join(args, " "), b, err)
	}
}

// TestGuardDutyLab deploys a public web workload with GuardDuty enforced
// (poll 1 s): the attacker, on the threat list, reaches the web's elastic
// IP, the cloud raises a finding from that real flow, and within the poll
// interval + 2 s the controller blocks it with a deny entry in the web
// subnet's network ACL (seen with the AWS CLI); a client not on the list
// and a friend on the list but excluded still reach it; inspect shows the
// block. It measures the time from the attacker's first packet to its
// block.
func TestGuardDutyLab(t *testing.T) {
	lab := deployCloudLab(t, "testdata/aws-guardduty.yaml", "agd")
	attacker, friend, client := netip.MustParseAddr("192.0.2.66"), netip.MustParseAddr("192.0.2.77"), netip.MustParseAddr("192.0.2.88")
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	web, ok := instances["web"]
	if !ok || !web.PublicIP.IsValid() {
		t.Fatalf("web = %+v; want an instance with a public address", web)
	}
	webNS := emulator.InstanceNamespace(lab, web.ID)
	var ln net.Listener
	if err := netns.Do(webNS, func() error {
		var err error
		ln, err = net.Listen("tcp4", netip.AddrPortFrom(web.PrivateIP, 80).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	gd, detector := labGuardDuty(t, lab, 20*time.Second)
	inet := emulator.NamespaceName(lab, "inet")

	for _, src := range []netip.Addr{client, friend} {
		if err := connectFrom(inet, src, web.PublicIP, 2*time.Second); err != nil {
			t.Fatalf("%s cannot reach web at %s before any block: %v", src, web.PublicIP, err)
		}
	}
	first := time.Now()
	if err := connectFrom(inet, attacker, web.PublicIP, 2*time.Second); err != nil {
		t.Fatalf("the attacker cannot reach web at %s before its block: %v", web.PublicIP, err)
	}
	const limit = time.Second + 2*time.Second // poll + 2 s
	var blocked time.Duration
	for {
		at := time.Now()
		if connectFrom(inet, attacker, web.PublicIP, 250*time.Millisecond) != nil {
			blocked = at.Sub(first)
			break
		}
		if time.Since(first) > limit {
			t.Fatalf("the attacker still reaches web %s after its first connection (limit %s)", time.Since(first).Round(time.Millisecond), limit)
		}
		time.Sleep(50 * time.Millisecond) // the attacker's next try
	}
	t.Logf("attacker blocked %s after its first packet (limit %s)", blocked.Round(time.Millisecond), limit)
	for _, src := range []netip.Addr{client, friend} {
		if err := connectFrom(inet, src, web.PublicIP, 2*time.Second); err != nil {
			t.Errorf("%s cannot reach web after the attacker's block: %v", src, err)
		}
	}

	checkGuardDutyCloud(t, lab, gd, detector)
	out, _, err := run(t, "inspect", "--lab", lab)
	if err != nil || !strings.Contains(out, "blocked 192.0.2.66") || !strings.Contains(out, "not blocking 192.0.2.77") {
		t.Errorf("inspect: %v; want the block of 192.0.2.66 and the exclusion of 192.0.2.77:\n%s", err, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "192.0.2.") && strings.Contains(line, "account") {
			t.Logf("inspect: %s", strings.TrimSpace(line))
		}
	}
}

// checkGuardDutyCloud reads the lab's findings through the SDK and the AWS
// CLI (the attacker's and the excluded friend's, none for the client) and
// its network ACLs (one inbound deny entry below 100, the attacker's).
func checkGuardDutyCloud(t *testing.T, lab string, gd *guardduty.Client, detector string) {
	t.Helper()
	ls, err := gd.ListFindings(context.Background(), &guardduty.ListFindingsInput{DetectorId: &detector})
	if err != nil || len(ls.FindingIds) != 2 {
		t.Errorf("ListFindings = %v, %v; want the attacker's and the friend's", ls, err)
	}
	var cliFindings struct{ FindingIds []string }
	awsCLI(t, lab, &cliFindings, "guardduty", "list-findings", "--detector-id", detector,
		"--finding-criteria", `{"Criterion":{"type":{"Eq":["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"]}}}`)
	if len(cliFindings.FindingIds) != 2 {
		t.Errorf("aws guardduty list-findings: %v; want 2 findings", cliFindings.FindingIds)
	}
	var acls struct {
		NetworkAcls []struct {
			Entries []struct {
				RuleNumber int
				RuleAction string
				Egress     bool
				CidrBlock  string
			}
		}
	}
	awsCLI(t, lab, &acls, "ec2", "describe-network-acls")
	denied := map[string]int{}
	for _, a := range acls.NetworkAcls {
		for _, e := range a.Entries {
			if e.RuleAction == "deny" && !e.Egress && e.RuleNumber < 100 {
				denied[e.CidrBlock] = e.RuleNumber
			}
		}
	}
	if _, ok := denied["192.0.2.66/32"]; !ok || len(denied) != 1 {
		t.Errorf("inbound deny entries below 100: %v; want only 192.0.2.66/32", denied)
	}
}
