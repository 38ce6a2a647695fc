package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// hop is one line of a traceroute: the address that answered (invalid
// when none did) and the lab node that holds it.
type hop struct {
	TTL     int        `json:"ttl"`
	Address netip.Addr `json:"address,omitzero"`
	// Node names the node ("gateway transit-1"); empty when no node of
	// the lab holds the address or none answered.
	Node      string `json:"node,omitempty"`
	Interface string `json:"interface,omitempty"`
	Tunnel    bool   `json:"tunnel,omitempty"`
	RTT       string `json:"rtt,omitempty"`
}

func newTraceroute() *cobra.Command {
	var lab string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "traceroute SRC DST [--lab NAME] [--json]",
		Short: "Trace the route from one node to another and name each hop by its lab node",
		Long: `Run traceroute(8) (UDP probes, one per hop) from the source node's
network namespace to DST (a node's name or an address), and name each hop
that answers by the lab node holding its address: a VPC router, a gateway,
a firewall, a site router. A hop whose address is a tunnel interface's is
marked "tunnel". A hop that does not answer shows *. A VPC router answers
only where the lab's route tables let it reach the source.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needRoot("traceroute"); err != nil {
				return err
			}
			tr, err := exec.LookPath("traceroute")
			if err != nil {
				return fmt.Errorf("traceroute: %w (Debian: apt-get install traceroute)", err)
			}
			r, err := pickLab(lab)
			if err != nil {
				return err
			}
			nodes, err := labNodes(cmd.Context(), r)
			if err != nil {
				return err
			}
			src, err := findNode(nodes, r.Name, args[0])
			if err != nil {
				return err
			}
			owners := addressOwners(nodes)
			dst, err := netip.ParseAddr(args[1])
			if err != nil {
				if dst, err = nodeAddress(nodes, r.Name, args[1]); err != nil {
					return err
				}
			}
			hops, err := traceroute(cmd.Context(), tr, src.Namespace, dst)
			if err != nil {
				return fmt.Errorf("traceroute from %s to %s: %w", src.Label, dst, err)
			}
			for i, h := range hops {
				if o, ok := owners[h.Address]; ok {
					hops[i].Node, hops[i].Interface, hops[i].Tunnel = o.label, o.Interface, o.Tunnel
				}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(hops)
			}
			printHops(cmd.OutOrStdout(), src.Label, dst, hops)
			if len(hops) == 0 || hops[len(hops)-1].Address != dst {
				return fmt.Errorf("traceroute from %s did not reach %s", src.Label, dst)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name (default: the only lab on this machine)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the hops as JSON")
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
	return cmd
}

// owner is the node and interface that hold an address.
type owner struct {
	label string
	nodeAddr
}

// addressOwners maps every address of every node to its node.
func addressOwners(nodes []labNode) map[netip.Addr]owner {
	out := map[netip.Addr]owner{}
	for _, n := range nodes {
		addrs, _ := nodeAddrs(n.Namespace) // a node gone names no hop
		for _, a := range addrs {
			out[a.Addr] = owner{label: n.Label, nodeAddr: a}
		}
	}
	return out
}

// nodeAddress is the address to trace to a node: its eth0's, else its
// first.
func nodeAddress(nodes []labNode, lab, name string) (netip.Addr, error) {
	n, err := findNode(nodes, lab, name)
	if err != nil {
		return netip.Addr{}, err
	}
	addrs, err := nodeAddrs(n.Namespace)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, a := range addrs {
		if a.Interface == "eth0" && a.Addr.Is4() {
			return a.Addr, nil
		}
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fmt.Errorf("%s has no address to trace to", n.Label)
	}
	return addrs[0].Addr, nil
}

// traceroute runs traceroute(8) numerically in namespace ns: one probe
// per hop, a second's wait, at most 16 hops.
func traceroute(ctx context.Context, tr, ns string, dst netip.Addr) ([]hop, error) {
	h, err := netns.Open(ns)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	cmd := fmt.Sprintf("%s -n -q 1 -w 1 -m 16 %s", tr, dst)
	out, err := emulator.RunTimeout(ctx, h, cmd, 60*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", cmd, err, out)
	}
	return parseTraceroute(out)
}

// parseTraceroute reads traceroute -n -q 1's lines: "TTL ADDR RTT ms" or
// "TTL *".
func parseTraceroute(out []byte) ([]hop, error) {
	var hops []hop
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] == "traceroute" {
			continue
		}
		ttl, err := strconv.Atoi(f[0])
		if err != nil {
			return nil, fmt.Errorf("traceroute line %q: no hop number", sc.Text())
		}
		h := hop{TTL: ttl}
		if a, err := netip.ParseAddr(f[1]); err == nil {
			h.Address = a
			if len(f) >= 4 && f[3] == "ms" {
				h.RTT = f[2] + " ms"
			}
		}
		hops = append(hops, h)
	}
	return hops, sc.Err()
}

func printHops(w io.Writer, src string, dst netip.Addr, hops []hop) {
	fmt.Fprintf(w, "traceroute from %s to %s\n", src, dst)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintln(tw, "HOP\tADDRESS\tNODE\tINTERFACE\tRTT")
	for _, h := range hops {
		if !h.Address.IsValid() {
			fmt.Fprintf(tw, "%d\t*\t\t\t\n", h.TTL)
			continue
		}
		node, ifname := h.Node, h.Interface
		if node == "" {
			node = "-"
		}
		if h.Tunnel {
			ifname += " (tunnel)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", h.TTL, h.Address, node, ifname, h.RTT)
	}
}
