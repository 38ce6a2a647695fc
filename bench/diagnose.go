package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/topologies"
)

// diagnose writes what a failed run needs to be understood, before the lab
// goes: every router's and gateway's IPv4 routes (from the kernel), every
// gateway's tunnels, sessions and last log lines, and the last lines of
// each routing daemon's logs. It reads only; errors are written in place
// of what they hide.
func diagnose(w io.Writer, lab string, t *topologies.Topology) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fmt.Fprintf(w, "--- lab %s when the run failed\n", lab)
	for _, n := range t.Nodes {
		if n.Kind == topologies.KindHost {
			continue
		}
		fmt.Fprintf(w, "%s (%s) routes:\n", n.Name, n.Kind)
		writeRoutes(w, emulator.NamespaceName(lab, n.Name))
		switch n.Kind {
		case topologies.KindGateway:
			writeTail(w, emulator.GatewayLog(lab, n.Name), 15)
			cl := mgmt.NewClient(emulator.GatewaySocket(lab, n.Name))
			st, err := cl.Status(ctx)
			cl.Close()
			if err != nil {
				fmt.Fprintf(w, "  status: %v\n", err)
				continue
			}
			for _, tu := range st.Tunnels {
				fmt.Fprintf(w, "  tunnel %s %s since %s, hellos %d/%d, changes %d, peer restarts %d\n",
					tu.Peer, tu.State, tu.StateSince.Format(time.StampMilli), tu.ProbesReceived, tu.ProbesSent, tu.StateChanges, tu.PeerRestarts)
			}
			for _, s := range st.Sessions {
				fmt.Fprintf(w, "  session %s %s %s up %ds bfd %q received %d accepted %d\n",
					s.Name, s.Address, s.State, s.UptimeSeconds, s.BFD, s.Received, s.Accepted)
			}
		case topologies.KindFRR, topologies.KindBIRD:
			for _, f := range []string{"bgpd.log", "bfdd.log", "zebra.log", "bird.log"} {
				writeTail(w, filepath.Join(emulator.NodeDir(lab, n.Name), f), 15)
			}
		}
	}
}

// writeRoutes writes the IPv4 routes of namespace ns, one a line.
func writeRoutes(w io.Writer, ns string) {
	nl, err := netns.Netlink(ns)
	if err != nil {
		fmt.Fprintf(w, "  %v\n", err)
		return
	}
	defer nl.Close()
	routes, err := nl.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		fmt.Fprintf(w, "  list routes: %v\n", err)
		return
	}
	for _, r := range routes {
		var hops []string
		if r.Gw != nil {
			hops = append(hops, r.Gw.String())
		}
		for _, h := range r.MultiPath {
			hops = append(hops, h.Gw.String())
		}
		slices.Sort(hops)
		fmt.Fprintf(w, "  %v via %v proto %d\n", r.Dst, hops, r.Protocol)
	}
}

// writeTail writes the last n lines of the file at path, if there is one.
func writeTail(w io.Writer, path string, n int) {
	b, err := os.ReadFile(path)
	if err != nil || len(strings.TrimSpace(string(b))) == 0 {
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	fmt.Fprintf(w, "  %s (last %d lines):\n", filepath.Base(path), min(n, len(lines)))
	for _, l := range lines[max(0, len(lines)-n):] {
		fmt.Fprintf(w, "    %s\n", l)
	}
}
