package firewall_test

import (
	"os"
	"testing"

	"github.com/google/nftables"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestKernelHoldsRules: StartIn leaves in a namespace the table that the
// fake renders, turns forwarding and accounting on there, and Close
// removes the table.
func TestKernelHoldsRules(t *testing.T) {
	roottest.Require(t)
	ns := roottest.NewNamespaces(t, "fw")[0]
	e, err := firewall.StartIn(int(ns.Handle), noSSH, "")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(ns.Handle)))
	if err != nil {
		t.Fatal(err)
	}
	tbl := policy.Table{Name: firewall.TableName}
	if got, err := policy.Dump(c, tbl); err != nil || got != noSSHTable {
		t.Errorf("kernel holds:\n%s(%v)\nwant:\n%s", got, err, noSSHTable)
	}
	if err := netns.DoHandle(ns.Handle, func() error {
		for _, k := range []string{"net/ipv4/ip_forward", "net/netfilter/nf_conntrack_acct"} {
			if b, err := os.ReadFile("/proc/sys/" + k); err != nil || string(b) != "1\n" {
				t.Errorf("%s = %q, %v", k, b, err)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Flows(); err != nil {
		t.Errorf("Flows: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := policy.Dump(c, tbl); got != "" {
		t.Errorf("after Close the kernel holds:\n%s", got)
	}
}
