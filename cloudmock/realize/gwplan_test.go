package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The plan, without root: only a running instance of GatewayImage runs a
// gateway, and only when the realizer has a gateway command.
func TestPlanGatewayInstances(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	v := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil))
	s := must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.1.0/24"), "az1", nil))
	launch := func(image string) model.Instance {
		return must[[]model.Instance](t)(c.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, ImageID: image, Count: 1}))[0]
	}
	gw, plain := launch(GatewayImage), launch("ami-12345678")
	gateways := func(cmd []string) map[string]string {
		r := &Realizer{opts: Options{Lab: "t", GatewayCommand: cmd}, links: map[string]int{}}
		p, err := r.buildPlan(takeSnapshot(c))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for id, h := range p.hosts {
			out[id] = h.gateway
		}
		return out
	}
	got := gateways([]string{"/usr/bin/mcnlab"})
	if got[gw.NetworkInterfaceID] != gw.ID || got[plain.NetworkInterfaceID] != "" {
		t.Errorf("gateways by interface = %v; want only %s running %s", got, gw.NetworkInterfaceID, gw.ID)
	}
	if got := gateways(nil); got[gw.NetworkInterfaceID] != "" {
		t.Errorf("without a gateway command, %s still runs a gateway", gw.ID)
	}
	h, _ := c.Handle(gw.ID)
	if n := GatewayName(gw.ID); len(n) > 12 || n != "i-"+h {
		t.Errorf("GatewayName(%s) = %q; want i- and the model's handle %s, at most 12 characters", gw.ID, n, h)
	}
}
