package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The plan, without root: a stopped instance has no host; started, it has
// one again with the same namespace, address and MAC; each boot (start, reboot)
// changes the host's key, so that reconcile remakes it; a reboot of a
// stopped instance leaves it without a host.
func TestPlanInstancePower(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	v := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil))
	s := must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.1.0/24"), "az1", nil))
	is := must[[]model.Instance](t)(c.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 2}))
	x, y := is[0], is[1]
	r := &Realizer{opts: Options{Lab: "t", GatewayCommand: []string{"mcnlab"}}, links: map[string]int{}}
	host := func(i model.Instance) *hostPlan {
		t.Helper()
		p, err := r.buildPlan(takeSnapshot(c))
		if err != nil {
			t.Fatal(err)
		}
		return p.hosts[i.NetworkInterfaceID]
	}
	first, other := host(x), host(y)
	if first == nil || other == nil {
		t.Fatal("running instances have no host")
	}

	must[[]model.StateChange](t)(c.StopInstances(acct, []string{x.ID}, false))
	if h := host(x); h != nil {
		t.Fatalf("a stopped instance has a host: %+v", h)
	}
	if h := host(y); h == nil || h.key != other.key {
		t.Fatalf("stopping one instance changed the other's host: %+v, was %+v", h, other)
	}
	if err := c.RebootInstances(acct, []string{x.ID}); err != nil {
		t.Fatal(err)
	}
	if h := host(x); h != nil {
		t.Fatalf("a reboot gave a stopped instance a host: %+v", h)
	}

	must[[]model.StateChange](t)(c.StartInstances(acct, []string{x.ID}))
	started := host(x)
	if started == nil || started.ns != first.ns || started.addr != first.addr || started.port != first.port || started.mac.String() != first.mac.String() {
		t.Fatalf("started instance's host %+v; want namespace %s, address %s, port %s, MAC %s again", started, first.ns, first.addr, first.port, first.mac)
	}
	if first.mac.String() == other.mac.String() || first.mac[0] != 0x02 {
		t.Fatalf("MACs %s and %s: want distinct, locally administered unicast", first.mac, other.mac)
	}
	if started.key == first.key {
		t.Fatalf("a start kept the host's key %q: reconcile would not remake it", first.key)
	}

	if err := c.RebootInstances(acct, []string{x.ID}); err != nil {
		t.Fatal(err)
	}
	rebooted := host(x)
	if rebooted == nil || rebooted.key == started.key || rebooted.addr != first.addr {
		t.Fatalf("rebooted instance's host %+v; want address %s and a key other than %q", rebooted, first.addr, started.key)
	}
	if h := host(y); h.key != other.key {
		t.Fatalf("rebooting one instance changed the other's host key: %q, was %q", h.key, other.key)
	}

	// A gateway instance's host runs the daemon again after a reboot.
	gw := must[[]model.Instance](t)(c.RunInstances(acct, model.LaunchSpec{SubnetID: s.ID, Count: 1, ImageID: GatewayImage}))[0]
	before := host(gw)
	if err := c.RebootInstances(acct, []string{gw.ID}); err != nil {
		t.Fatal(err)
	}
	after := host(gw)
	if before.gateway != gw.ID || after.gateway != gw.ID || after.key == before.key {
		t.Fatalf("gateway host before %+v, after the reboot %+v; want the daemon in both and a new key", before, after)
	}
}
