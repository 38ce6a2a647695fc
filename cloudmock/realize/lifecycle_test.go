package realize

import (
	"context"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// Deleting everything through the model removes every namespace while the
// realizer runs, each deletion in force when Sync returns; Close then
// leaves no goroutine of the realizer behind.
func TestTeardownThroughModel(t *testing.T) {
	before := runtime.NumGoroutine()
	l := newLab(t)
	v1, v2 := l.vpc("10.1.0.0/16"), l.vpc("10.2.0.0/16")
	s1, s2 := l.subnet(v1, "10.1.1.0/24"), l.subnet(v2, "10.2.1.0/24")
	g1, g2 := l.openGroup(v1, "open", "10.0.0.0/8"), l.openGroup(v2, "open", "10.0.0.0/8")
	i1, i2 := l.instance(s1, g1.ID), l.instance(s2, g2.ID)
	pc := must[model.Peering](t)(l.cloud.RequestPeering(acct, v1.ID, acct, v2.ID, nil))
	must[model.Peering](t)(l.cloud.AcceptPeering(acct, pc.ID))
	l.ok(l.cloud.CreateRoute(acct, v1.MainRouteTableID, v2.CIDRs[0].Prefix, model.Target{Kind: model.TargetPeering, ID: pc.ID}))
	l.ok(l.cloud.CreateRoute(acct, v2.MainRouteTableID, v1.CIDRs[0].Prefix, model.Target{Kind: model.TargetPeering, ID: pc.ID}))
	igw := must[model.InternetGateway](t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, v1.ID))
	eip := must[model.ElasticIP](t)(l.cloud.AllocateAddress(acct, nil))
	nat := must[model.NATGateway](t)(l.cloud.CreateNATGateway(acct, s1.ID, eip.ID, nil))
	tgw := must[model.TransitGateway](t)(l.cloud.CreateTransitGateway(acct, model.TransitGatewayOptions{DefaultAssociation: true, DefaultPropagation: true}, nil))
	att := must[model.TransitGatewayAttachment](t)(l.cloud.CreateTransitGatewayVPCAttachment(acct, tgw.ID, v2.ID, []string{s2.ID}, nil))
	rt := must[model.RouteTable](t)(l.cloud.CreateRouteTable(acct, v1.ID, nil))
	l.sync()
	l.pingOK(l.ns(i1), i2.PrivateIP)
	want := []string{l.r.routerNS(v1.Handle), l.r.routerNS(v2.Handle), l.ns(i1), l.ns(i2), l.r.natNS(nat.Handle), l.r.tgwNS(tgw.Handle), l.r.internetNS()}
	slices.Sort(want)
	if got := roottest.Namespaces(l.name); !slices.Equal(got, want) {
		t.Fatalf("namespaces %v, want %v", got, want)
	}
	if got := l.recordedNamespaces(); !slices.Equal(got, want) {
		t.Fatalf("recorded namespaces %v, want %v", got, want)
	}

	l.ok(l.cloud.DeletePeering(acct, pc.ID))
	l.sync()
	l.pingFails(l.ns(i1), i2.PrivateIP)

	must[map[string]model.InstanceState](t)(l.cloud.TerminateInstances(acct, []string{i1.ID, i2.ID}))
	l.ok(l.cloud.DeleteNATGateway(acct, nat.ID))
	l.ok(l.cloud.ReleaseAddress(acct, eip.ID))
	must[model.TransitGatewayAttachment](t)(l.cloud.DeleteTransitGatewayVPCAttachment(acct, att.ID))
	must[model.TransitGateway](t)(l.cloud.DeleteTransitGateway(acct, tgw.ID))
	l.ok(l.cloud.DetachInternetGateway(acct, igw.ID, v1.ID))
	l.ok(l.cloud.DeleteInternetGateway(acct, igw.ID))
	l.sync()
	want = []string{l.r.routerNS(v1.Handle), l.r.routerNS(v2.Handle)}
	slices.Sort(want)
	if got := roottest.Namespaces(l.name); !slices.Equal(got, want) {
		t.Fatalf("namespaces %v, want %v", got, want)
	}

	l.ok(l.cloud.DeleteRouteTable(acct, rt.ID))
	l.ok(l.cloud.DeleteSubnet(acct, s1.ID))
	l.ok(l.cloud.DeleteSubnet(acct, s2.ID))
	l.ok(l.cloud.DeleteRuleSet(acct, model.FlavorSecurityGroup, g1.ID))
	l.ok(l.cloud.DeleteRuleSet(acct, model.FlavorSecurityGroup, g2.ID))
	l.ok(l.cloud.DeleteNetwork(acct, v1.ID))
	l.ok(l.cloud.DeleteNetwork(acct, v2.ID))
	l.sync()
	if got := roottest.Namespaces(l.name); len(got) != 0 {
		t.Fatalf("namespaces %v left after everything was deleted", got)
	}

	l.ok(l.r.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for runtime.NumGoroutine() > before {
		if ctx.Err() != nil {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := l.r.Sync(ctx); err == nil {
		t.Error("Sync on a closed realizer succeeded")
	}
}

// A namespace of the realizer's name that it did not make is neither taken
// over nor deleted: New fails, names it, and removes only what it made.
func TestForeignNamespaceUntouched(t *testing.T) {
	roottest.Require(t)
	name := roottest.LabName(t, "rf")
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	v1 := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.1.0.0/16"), nil))
	v2 := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.2.0.0/16"), nil))
	// Routers are made in ID order: the first is made, the second is taken.
	second := v1
	if v2.ID > v1.ID {
		second = v2
	}
	names := &Realizer{opts: Options{Lab: name}}
	foreign := names.routerNS(second.Handle)
	if err := netns.Create(foreign); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := netns.Delete(foreign); err != nil {
			t.Error(err)
		}
		if ns := roottest.Namespaces(name); len(ns) > 0 {
			t.Errorf("left behind: %v", ns)
			for _, n := range ns {
				_ = netns.Delete(n)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := New(ctx, c, Options{Lab: name, RetryInterval: time.Hour})
	if err == nil {
		r.Close()
		t.Fatal("New took over a namespace it did not make")
	}
	t.Logf("New: %v", err)
	if !strings.Contains(err.Error(), foreign) {
		t.Errorf("error %q does not name %s", err, foreign)
	}
	if got := roottest.Namespaces(name); !slices.Equal(got, []string{foreign}) {
		t.Errorf("namespaces after the failed New: %v, want only the foreign %s", got, foreign)
	}
}
