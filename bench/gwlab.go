package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/controller/gwconf"
	"github.com/mcnlab/mcnlab/emulator"
	mcnlab "github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

// gatewayNames lists the gateway nodes of t in file order.
func gatewayNames(t *topologies.Topology) []string {
	var out []string
	for _, g := range gwconf.Gateways(t) {
		out = append(out, g.Name)
	}
	return out
}

// gatewayProgram is the program that runs `mcnlab gateway`: cmd, or what
// a lab of this executable runs (the slim mcnlab-gateway beside it, as
// emulator.GatewayProgram chooses), so that the benches measure the
// gateways labs run.
func gatewayProgram(cmd []string) ([]string, error) {
	if len(cmd) > 0 {
		return cmd, nil
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find mcnlab binary for gateways: %w", err)
	}
	return emulator.GatewayProgram(self), nil
}

// hostPair is a probed pair: src's namespace pings dst.
type hostPair struct {
	name, src string
	dst       netip.Addr
}

// hostAddr returns the first IPv4 address of node n on a link.
func hostAddr(t *topologies.Topology, n string) (netip.Addr, bool) {
	for _, l := range t.Links {
		for _, e := range []topologies.Endpoint{l.A, l.B} {
			if e.Node == n && e.Address.IsValid() && e.Address.Addr().Is4() {
				return e.Address.Addr(), true
			}
		}
	}
	return netip.Addr{}, false
}

// hostPairs resolves "src>dst" names, or when none are given every pair of
// hosts (each once, in file order).
func hostPairs(t *topologies.Topology, names []string) ([]hostPair, error) {
	if len(names) == 0 {
		var hosts []string
		for _, n := range t.Nodes {
			if n.Kind == topologies.KindHost {
				hosts = append(hosts, n.Name)
			}
		}
		for i := range hosts {
			for j := i + 1; j < len(hosts); j++ {
				names = append(names, hosts[i]+">"+hosts[j])
			}
		}
	}
	var out []hostPair
	for _, nm := range names {
		src, dst, ok := strings.Cut(nm, ">")
		if !ok || t.Node(src) == nil || t.Node(dst) == nil {
			return nil, fmt.Errorf("probe pair %q: want SRC>DST, two nodes of the topology", nm)
		}
		addr, ok := hostAddr(t, dst)
		if !ok {
			return nil, fmt.Errorf("probe pair %q: %s has no IPv4 address", nm, dst)
		}
		out = append(out, hostPair{name: nm, src: src, dst: addr})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no host pairs to probe in topology %s", t.Name)
	}
	return out, nil
}

// deployGateways deploys t as lab with gateways running program, pushes
// the gateways' configuration and waits until they have converged. It
// returns the time that took and a cleanup that destroys the lab (call it
// also when err is set: a half-made lab is removed too). The cleanup runs
// on its own context, so that a cancelled ctx (Ctrl-C) still removes the
// lab.
func deployGateways(ctx context.Context, lab string, t *topologies.Topology, program []string, log io.Writer) (float64, func() error, error) {
	cleanup := func() error {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if err := emulator.Destroy(dctx, lab, nil); err != nil {
			return fmt.Errorf("destroy lab %s: %w", lab, err)
		}
		return nil
	}
	plan, err := emulator.NewPlan(lab, t)
	if err != nil {
		return 0, func() error { return nil }, err
	}
	start := time.Now()
	if err := emulator.Deploy(ctx, plan, emulator.Options{GatewayCommand: program}); err != nil {
		var exists *emulator.ExistsError
		if errors.As(err, &exists) {
			return 0, func() error { return nil }, err // not ours to destroy
		}
		return 0, cleanup, err
	}
	if err := gwconf.Apply(ctx, lab, mcnlab.Nodes{Lab: lab}, t, nil); err != nil {
		return 0, cleanup, err
	}
	d := time.Since(start).Seconds()
	fmt.Fprintf(log, "  lab %s deployed and its gateways converged in %.2fs\n", lab, d)
	return d, cleanup, nil
}

// LoadTopology reads and parses a topology file.
func LoadTopology(path string) (*topologies.Topology, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	return topologies.Parse(path, src)
}
