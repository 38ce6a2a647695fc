package aws_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestPrefixListsAndEndpointsCLI drives prefix lists and a gateway
// endpoint with the real AWS CLI, each one installed (Debian's 2.9 at
// /usr/bin/aws and the one first on PATH, pyenv's 1.45 here), as a user's
// script would.
func TestPrefixListsAndEndpointsCLI(t *testing.T) {
	eachCLI(t, cliPrefixListsAndEndpoints)
}

// eachCLI runs test as a subtest with each AWS CLI installed: the one
// first on PATH and Debian's /usr/bin/aws.
func eachCLI(t *testing.T, test func(t *testing.T, bin string)) {
	var bins []string
	if b, err := exec.LookPath("aws"); err == nil {
		bins = append(bins, b)
	}
	if _, err := os.Stat("/usr/bin/aws"); err == nil && !slices.Contains(bins, "/usr/bin/aws") {
		bins = append(bins, "/usr/bin/aws")
	}
	if len(bins) == 0 {
		roottest.Missing(t, "aws CLI not installed (Debian: awscli)")
	}
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	for _, bin := range bins {
		t.Run(strings.ReplaceAll(bin, "/", "_"), func(t *testing.T) { test(t, bin) })
	}
}

// cliRunner returns a function that runs `aws ec2 ARGS...` with bin
// against the lab as account A and decodes its JSON output into out; with
// out nil it expects the command to fail and returns its output.
func cliRunner(t *testing.T, bin string, l *lab) func(out any, args ...string) string {
	return cliServiceRunner(t, bin, l, "ec2")
}

// cliServiceRunner is cliRunner for the commands of another service
// (aws logs ...).
func cliServiceRunner(t *testing.T, bin string, l *lab, service string) func(out any, args ...string) string {
	return func(out any, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), bin, append([]string{"--endpoint-url", l.url, "--output", "json", service}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+credA.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+credA.SecretAccessKey,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
		b, err := cmd.CombinedOutput()
		if out == nil {
			if err == nil {
				t.Fatalf("%s %v succeeded: %s", bin, args, b)
			}
			return string(b)
		}
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", bin, args, err, b)
		}
		if len(b) > 0 {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %v: %v\n%s", bin, args, err, b)
			}
		}
		return string(b)
	}
}

func cliPrefixListsAndEndpoints(t *testing.T, bin string) {
	l := newLab(t)
	run := cliRunner(t, bin, l)
	type list struct {
		PrefixList struct {
			PrefixListId, State string
			Version             int64
		}
	}
	var pl list
	run(&pl, "create-managed-prefix-list", "--prefix-list-name", "corp", "--max-entries", "5", "--address-family", "IPv4",
		"--entries", "Cidr=192.0.2.0/25,Description=office")
	id := pl.PrefixList.PrefixListId
	if pl.PrefixList.Version != 1 || pl.PrefixList.State != "create-complete" {
		t.Fatalf("created: %+v", pl)
	}
	if msg := run(nil, "modify-managed-prefix-list", "--prefix-list-id", id, "--current-version", "3", "--add-entries", "Cidr=198.51.100.0/24"); !strings.Contains(msg, "PrefixListVersionMismatch") {
		t.Fatalf("stale version: %s", msg)
	}
	run(&pl, "modify-managed-prefix-list", "--prefix-list-id", id, "--current-version", "1", "--add-entries", "Cidr=198.51.100.0/24,Description=lab")
	var entries struct {
		Entries []struct{ Cidr, Description string }
	}
	run(&entries, "get-managed-prefix-list-entries", "--prefix-list-id", id, "--target-version", "1")
	if len(entries.Entries) != 1 || entries.Entries[0].Description != "office" {
		t.Fatalf("version 1 entries: %+v", entries)
	}
	var pls struct {
		PrefixLists []struct{ PrefixListId, PrefixListName string }
	}
	run(&pls, "describe-prefix-lists", "--filters", "Name=prefix-list-name,Values=com.amazonaws.us-east-1.s3")
	if len(pls.PrefixLists) != 1 {
		t.Fatalf("describe-prefix-lists: %+v", pls)
	}
	s3 := pls.PrefixLists[0].PrefixListId

	var vpc struct{ Vpc struct{ VpcId string } }
	run(&vpc, "create-vpc", "--cidr-block", "10.0.0.0/16")
	var rt struct{ RouteTable struct{ RouteTableId string } }
	run(&rt, "create-route-table", "--vpc-id", vpc.Vpc.VpcId)
	var ep struct {
		VpcEndpoint struct {
			VpcEndpointId, State string
			RouteTableIds        []string
		}
	}
	run(&ep, "create-vpc-endpoint", "--vpc-id", vpc.Vpc.VpcId, "--service-name", "com.amazonaws.us-east-1.s3", "--route-table-ids", rt.RouteTable.RouteTableId)
	if !slices.Equal(ep.VpcEndpoint.RouteTableIds, []string{rt.RouteTable.RouteTableId}) {
		t.Fatalf("create-vpc-endpoint: %+v", ep)
	}
	var tables struct {
		RouteTables []struct {
			Routes []struct{ DestinationPrefixListId, GatewayId, State string }
		}
	}
	run(&tables, "describe-route-tables", "--filters", "Name=route.destination-prefix-list-id,Values="+s3)
	if len(tables.RouteTables) != 1 || !slices.ContainsFunc(tables.RouteTables[0].Routes, func(r struct{ DestinationPrefixListId, GatewayId, State string }) bool {
		return r.DestinationPrefixListId == s3 && r.GatewayId == ep.VpcEndpoint.VpcEndpointId && r.State == "active"
	}) {
		t.Fatalf("the endpoint's route: %+v", tables)
	}
	var eps struct {
		VpcEndpoints []struct{ VpcEndpointId string }
	}
	run(&eps, "describe-vpc-endpoints", "--filters", "Name=vpc-endpoint-type,Values=Gateway", "Name=vpc-id,Values="+vpc.Vpc.VpcId)
	if len(eps.VpcEndpoints) != 1 {
		t.Fatalf("describe-vpc-endpoints: %+v", eps)
	}
	var del struct {
		Unsuccessful []struct {
			ResourceId string
			Error      struct{ Code string }
		}
	}
	run(&del, "delete-vpc-endpoints", "--vpc-endpoint-ids", ep.VpcEndpoint.VpcEndpointId, "vpce-0123456789abcdef0")
	if len(del.Unsuccessful) != 1 || del.Unsuccessful[0].Error.Code != "InvalidVpcEndpointId.NotFound" {
		t.Fatalf("delete-vpc-endpoints: %+v", del)
	}
	run(&pl, "delete-managed-prefix-list", "--prefix-list-id", id)
	if msg := run(nil, "describe-managed-prefix-lists", "--prefix-list-ids", id); !strings.Contains(msg, "InvalidPrefixListID.NotFound") {
		t.Fatalf("deleted list: %s", msg)
	}
}
