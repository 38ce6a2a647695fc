package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/api/apitest"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// fakeController serves a fake controller for the lab "lab1" in a
// temporary state root, as a deployed lab's controller would.
func fakeController(t *testing.T) *apitest.Server {
	t.Helper()
	roottest.UseTempState(t)
	t.Setenv(tokenEnv, "")
	s := apitest.NewServer(t)
	// A lab directory is one that holds its state file.
	if err := state.Create(&state.Lab{Name: "lab1"}); err != nil {
		t.Fatal(err)
	}
	if err := api.WriteEndpoint("lab1", s.URL, s.Admin); err != nil {
		t.Fatal(err)
	}
	return s
}

// columnsAligned checks that every line of a table starts each header's
// column at the same offset.
func columnsAligned(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	header := lines[0]
	for _, col := range strings.Fields(header)[1:] {
		i := strings.Index(header, col)
		for _, l := range lines[1:] {
			if len(l) <= i || l[i-1] != ' ' || l[i] == ' ' {
				t.Errorf("column %s (at %d) is not aligned in %q", col, i, l)
			}
		}
	}
}

func TestRoutesPending(t *testing.T) {
	fakeController(t)
	out, _, err := run(t, "routes", "pending")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "TRANSIT  SITE  PREFIX\n") || !strings.Contains(out, "tr1      dc2   192.168.10.0/24\n") {
		t.Errorf("routes pending:\n%s", out)
	}
	columnsAligned(t, out)

	out, _, err = run(t, "routes", "pending", "--lab", "lab1", "--json")
	var rs []api.PendingRoute
	if err != nil || json.Unmarshal([]byte(out), &rs) != nil || len(rs) != 3 || rs[0].Site != "dc1" {
		t.Errorf("routes pending --json: %v\n%s", err, out)
	}
}

func TestRoutesApprove(t *testing.T) {
	fakeController(t)
	out, _, err := run(t, "routes", "approve", "dc1", "172.16.0.0/16")
	if err != nil || out != "approved 172.16.0.0/16 from site dc1 on transit tr1\n" {
		t.Errorf("routes approve: %v %q", err, out)
	}
	out, _, err = run(t, "routes", "approve", "dc1", "172.16.0.0/16")
	if err != nil || !strings.Contains(out, "approved already") {
		t.Errorf("routes approve again: %v %q", err, out)
	}
	out, _, err = run(t, "routes", "approve", "dc2", "192.168.10.0/24", "--json")
	var res api.ApproveResult
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || !res.Approved || res.Transit != "tr1" {
		t.Errorf("routes approve --json: %v %q", err, out)
	}
	if _, _, err := run(t, "routes", "approve", "dc1", "172.16.0.1/16"); err == nil || !strings.Contains(err.Error(), "did you mean 172.16.0.0/16") {
		t.Errorf("host bits: %v", err)
	}
	if _, _, err := run(t, "routes", "approve", "dc1", "banana"); err == nil || !strings.Contains(err.Error(), `"banana"`) {
		t.Errorf("bad prefix: %v", err)
	}
	if _, _, err := run(t, "routes", "approve", "dc9", "10.0.0.0/8"); err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "dc9") {
		t.Errorf("unknown site: %v", err)
	}

	out, _, err = run(t, "routes", "approved")
	if err != nil || !strings.HasPrefix(out, "TRANSIT  SITE  PREFIX") || strings.Count(out, " admin ") != 2 {
		t.Errorf("routes approved: %v\n%s", err, out)
	}
	columnsAligned(t, out)
	out, _, _ = run(t, "routes", "pending")
	if strings.Contains(out, "172.16.0.0/16") || !strings.Contains(out, "172.17.0.0/16") {
		t.Errorf("routes pending after approve:\n%s", out)
	}
}

// A refused approval prints the controller's reason; revoke withdraws an
// approval, refuses a read-only token, and says when there is nothing to
// revoke.
func TestRoutesRefusedAndRevoke(t *testing.T) {
	s := fakeController(t)
	// With --lab, as the commands are written.
	_, _, err := run(t, "routes", "approve", "dc1", "0.0.0.0/0", "--lab", "lab1")
	if err == nil || !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "0.0.0.0/0 is not inside anything site dc1 advertises ([172.16.0.0/15])") {
		t.Errorf("approve 0.0.0.0/0: %v; want the 422 and its reason", err)
	}
	if _, _, err := run(t, "routes", "approve", "dc1", "172.16.0.0/16", "--lab", "lab1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "routes", "revoke", "dc1", "172.16.0.0/16", "--token", s.ReadOnly, "--lab", "lab1"); err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "needs role operator") {
		t.Errorf("revoke with a read-only token: %v", err)
	}
	out, _, err := run(t, "routes", "revoke", "dc1", "172.16.0.0/16", "--token", s.Operator, "--lab", "lab1")
	if err != nil || out != "revoked the approval of 172.16.0.0/16 from site dc1 on transit tr1\n" {
		t.Errorf("routes revoke: %v %q", err, out)
	}
	if out, _, _ := run(t, "routes", "approved", "--lab", "lab1"); out != "no routes approved\n" {
		t.Errorf("routes approved after revoking: %q", out)
	}
	if out, _, _ := run(t, "routes", "pending", "--lab", "lab1"); !strings.Contains(out, "dc1   172.16.0.0/16") {
		t.Errorf("routes pending after revoking: the route is not pending again:\n%s", out)
	}
	if _, _, err := run(t, "routes", "revoke", "dc1", "172.16.0.0/16", "--lab", "lab1"); err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "not approved") {
		t.Errorf("revoke twice: %v", err)
	}
	if _, _, err := run(t, "routes", "revoke", "dc1", "172.16.0.1/16", "--lab", "lab1"); err == nil || !strings.Contains(err.Error(), "did you mean 172.16.0.0/16") {
		t.Errorf("revoke with host bits: %v", err)
	}
	if _, _, err := run(t, "routes", "approve", "dc2", "192.168.10.0/24", "--lab", "lab1"); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, "routes", "revoke", "dc2", "192.168.10.0/24", "--json", "--lab", "lab1")
	var res api.RevokeResult
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.Transit != "tr1" || res.Prefix.String() != "192.168.10.0/24" {
		t.Errorf("routes revoke --json: %v %q", err, out)
	}
	// --wait polls the route tables: the fake's keeps 172.16.0.0/16.
	if _, _, err := run(t, "routes", "approve", "dc1", "172.16.0.0/16", "--lab", "lab1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "routes", "revoke", "dc1", "172.16.0.0/16", "--wait", "300ms", "--lab", "lab1"); err == nil || !strings.Contains(err.Error(), "172.16.0.0/16 is still in a spoke route table after 300ms") {
		t.Errorf("revoke --wait with the route still in a table: %v", err)
	}
}

func TestRoutesTables(t *testing.T) {
	fakeController(t)
	out, _, err := run(t, "routes", "tables")
	if err != nil {
		t.Fatal(err)
	}
	want := "VPC      SUBNET    ROUTE TABLE  DESTINATION    TARGET      ORIGIN\n" +
		"vpc-sp1  subnet-a  rtb-01       10.1.0.0/16    local       local\n" +
		"vpc-sp1  subnet-a  rtb-01       0.0.0.0/0      igw-01      static\n" +
		"vpc-sp1  subnet-a  rtb-01       172.16.0.0/16  eni-sp1-gw  learned\n"
	if out != want {
		t.Errorf("routes tables:\n%s\nwant:\n%s", out, want)
	}
	out, _, err = run(t, "routes", "tables", "--json")
	var ts []api.RouteTable
	if err != nil || json.Unmarshal([]byte(out), &ts) != nil || len(ts[0].Routes) != 3 {
		t.Errorf("routes tables --json: %v\n%s", err, out)
	}
}

func TestRoutesTokenOverride(t *testing.T) {
	s := fakeController(t)
	_, _, err := run(t, "routes", "approve", "dc1", "172.16.0.0/16", "--token", s.ReadOnly)
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "needs role operator") {
		t.Errorf("approve with a read-only --token: %v", err)
	}
	t.Setenv(tokenEnv, s.ReadOnly)
	if _, _, err := run(t, "routes", "approve", "dc1", "172.16.0.0/16"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("approve with a read-only $%s: %v", tokenEnv, err)
	}
	if _, _, err := run(t, "routes", "pending"); err != nil {
		t.Errorf("pending with a read-only $%s: %v", tokenEnv, err)
	}
	// --token wins over the environment.
	if _, _, err := run(t, "routes", "approve", "dc1", "172.16.0.0/16", "--token", s.Operator); err != nil {
		t.Errorf("--token over $%s: %v", tokenEnv, err)
	}
	// Without the admin token file, a token from the environment suffices.
	os.Remove(api.TokenFile("lab1"))
	if _, _, err := run(t, "routes", "pending"); err != nil {
		t.Errorf("pending without admin.token: %v", err)
	}
	t.Setenv(tokenEnv, "")
	if _, _, err := run(t, "routes", "pending"); err == nil || !strings.Contains(err.Error(), "admin token") {
		t.Errorf("pending without any token: %v", err)
	}
}

func TestRoutesFindsTheLab(t *testing.T) {
	fakeController(t)
	if err := state.Create(&state.Lab{Name: "lab2"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "routes", "pending"); err == nil || !strings.Contains(err.Error(), "--lab") {
		t.Errorf("two labs, no --lab: %v", err)
	}
	if _, _, err := run(t, "routes", "pending", "--lab", "lab1"); err != nil {
		t.Errorf("--lab lab1: %v", err)
	}
	if _, _, err := run(t, "routes", "pending", "--lab", "lab2"); err == nil || !strings.Contains(err.Error(), "no running controller") {
		t.Errorf("lab without a controller: %v", err)
	}
	os.RemoveAll(state.Root)
	if _, _, err := run(t, "routes", "pending"); err == nil || !strings.Contains(err.Error(), "no labs") {
		t.Errorf("no labs: %v", err)
	}
}
