package differential

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

// Every multi-cloud topology drawn is valid and compiles, the same seed
// and index draw it again, and over 300 cases the generator draws two
// and three clouds, every cloud with spokes and sites, transits peered
// and not, HA, HPE and manual approval, domains and run-time approvals.
// Drawing them leaves every one-cloud case as it was: GenerateOn(Multi)
// is GenerateMulti, and TestSeedsDrawTheSameCases still passes.
func TestGenerateMulti(t *testing.T) {
	features := map[string]int{}
	feature := func(name string, ok bool) {
		if ok {
			features[name]++
		}
	}
	for i := range 300 {
		c, top, p := drawnValid(t, i, func() Case { return GenerateMulti(7, i, fmt.Sprintf("mc%d", i)) })
		if again := GenerateOn(7, i, fmt.Sprintf("mc%d", i), Multi); !bytes.Equal(again.YAML, c.YAML) {
			t.Fatalf("case %d: GenerateOn(Multi) draws another case", i)
		}
		cl := top.Cloud
		provider := map[string]topologies.Provider{}
		for _, a := range cl.Accounts {
			provider[a.Name] = a.Provider
		}
		feature(fmt.Sprintf("%d clouds", len(cl.Accounts)), true)
		var names []string
		for _, a := range cl.Accounts {
			names = append(names, string(a.Provider))
		}
		feature(strings.Join(names, "+"), true)
		vpcCloud := map[string]topologies.Provider{}
		for _, v := range cl.VPCs {
			vpcCloud[v.Name] = provider[v.Account]
		}
		trCloud := map[string]topologies.Provider{}
		for _, tr := range cl.Transits {
			trCloud[tr.Name] = vpcCloud[tr.VPC]
			feature("transit HA", tr.HA)
			feature("HPE tunnels", tr.HPETunnels > 1)
			feature("manual approval", tr.Approval.Mode == topologies.ApprovalManual)
		}
		for _, sp := range cl.Spokes {
			if trCloud[sp.Transit] != vpcCloud[sp.VPC] {
				t.Fatalf("case %d: spoke %s in %s attached to transit %s in %s", i, sp.Name, vpcCloud[sp.VPC], sp.Transit, trCloud[sp.Transit])
			}
			feature("spoke on "+string(vpcCloud[sp.VPC]), true)
		}
		for _, s := range cl.Sites {
			feature("site on "+string(trCloud[s.Connection.Transit])+" "+string(s.Connection.Type), true)
		}
		feature("transits peered", len(cl.TransitPeerings) > 0)
		feature("transits not all peered", len(cl.TransitPeerings) < len(cl.Transits)*(len(cl.Transits)-1)/2)
		feature("domains", len(cl.Domains) > 0)
		feature("run-time approvals", len(c.Approve) > 0)
		feature("five or more endpoints", len(p.Endpoints) >= 5)
	}
	for _, f := range []string{"2 clouds", "3 clouds", "aws+azure", "aws+gcp", "azure+gcp", "aws+azure+gcp", "transit HA", "HPE tunnels",
		"manual approval", "spoke on aws", "spoke on azure", "spoke on gcp", "site on aws private-line", "site on aws tunnel",
		"site on azure tunnel", "site on gcp tunnel", "transits peered", "transits not all peered", "domains", "run-time approvals",
		"five or more endpoints"} {
		if features[f] == 0 {
			t.Errorf("300 cases never drew: %s", f)
		}
	}
	t.Logf("features drawn: %v", features)
}
