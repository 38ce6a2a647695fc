package lab

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// Target is where a probe of a named lab endpoint starts or ends: the
// network namespace it runs in and its address.
type Target struct {
	Namespace string
	Address   netip.Addr
	// Shared marks an address that shares its namespace with others (an
	// internet host): a probe from it binds it as its source.
	Shared bool
}

// Targets are the lab's probe targets by name: a cloud lab's workloads
// (by their instances' namespaces and private addresses) and site hosts;
// in every lab, each node by its first link address.
func Targets(ctx context.Context, lab string) (map[string]Target, error) {
	r, err := state.Load(lab)
	if err != nil {
		return nil, err
	}
	out := map[string]Target{}
	for _, n := range r.Nodes {
		for _, l := range r.Links {
			for _, e := range []state.LinkEnd{l.A, l.B} {
				if e.Node != n.Name || e.Address == "" {
					continue
				}
				if _, ok := out[n.Name]; ok {
					continue
				}
				if p, err := netip.ParsePrefix(e.Address); err == nil {
					out[n.Name] = Target{Namespace: n.Namespace, Address: p.Addr()}
				}
			}
		}
	}
	if !IsCloudLab(lab) {
		return out, nil
	}
	cp, instances, err := PlanAndInstances(ctx, lab)
	if err != nil {
		return nil, err
	}
	for _, e := range cp.Endpoints {
		switch in, ok := instances[e.Instance]; {
		case e.Site != "":
			out[e.Name] = Target{Namespace: emulator.NamespaceName(lab, e.Name), Address: e.Address}
		case ok:
			out[e.Name] = Target{Namespace: emulator.InstanceNamespace(lab, in.ID), Address: in.PrivateIP}
			// A workload's public address, as the internet reaches it.
			if in.PublicIP.IsValid() {
				out[e.Name+PublicSuffix] = Target{Namespace: emulator.InstanceNamespace(lab, in.ID), Address: in.PublicIP}
			}
		}
	}
	// The user VPN's laptops, by their uplink address on the internet.
	for _, l := range cp.Laptops() {
		out[l.Name] = Target{Namespace: emulator.NamespaceName(lab, l.Name), Address: l.Uplink.Addr()}
	}
	// The emulated internet's hosts share one namespace.
	if inet := cp.Topology.Internet; inet != nil {
		for _, h := range inet.Hosts {
			out[h.Name] = Target{Namespace: emulator.NamespaceName(lab, "inet"), Address: h.Address, Shared: true}
		}
	}
	return out, nil
}

// PublicSuffix names a workload's public address as a target: web.public.
const PublicSuffix = ".public"

// TargetOf looks one target up by name; an unknown name gets an error
// listing the names there are.
func TargetOf(ts map[string]Target, name string) (Target, error) {
	if t, ok := ts[name]; ok {
		return t, nil
	}
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	slices.Sort(names)
	return Target{}, fmt.Errorf("no node or workload %q in the lab (there are: %s)", name, strings.Join(names, ", "))
}
