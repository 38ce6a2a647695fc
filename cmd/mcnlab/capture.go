package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/dataplane/capture"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

func newCapture() *cobra.Command {
	var lab, filter, file string
	var o capture.Options
	cmd := &cobra.Command{
		Use:   "capture NODE[:INTERFACE] [--filter EXPR] [--count N | --duration D] -w FILE.pcap [--lab NAME]",
		Short: "Capture packets on a node's interface into a pcap file (tshark, Wireshark)",
		Long: `Capture packets on one interface of a lab node (a gateway, a firewall,
a workload instance, a site router or host, a VPC router), inside its
network namespace, into a pcap file. INTERFACE defaults to eth0. A
gateway's tunnel interface (wg-…) shows the inner packets; its eth0, the
underlay, shows them encrypted (WireGuard over UDP). The capture ends
after --count packets, after --duration, or at Ctrl-C. --filter takes
tcpdump's syntax: ip, ip6, arp, icmp, icmp6, tcp, udp, esp, [ip|ip6] proto
N, [tcp|udp] [src|dst] port N, [src|dst] host ADDR, [src|dst] net CIDR,
joined with and, or, not and parentheses. -w - writes to standard output.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if file == "" {
				return errors.New("capture: -w FILE is required (- for standard output)")
			}
			if o.Count > 0 && o.Duration > 0 {
				return errors.New("capture: give --count or --duration, not both")
			}
			f, err := capture.ParseFilter(filter)
			if err != nil {
				return fmt.Errorf("capture: %w", err)
			}
			o.Filter = f
			if err := needRoot("capture"); err != nil {
				return err
			}
			r, err := pickLab(lab)
			if err != nil {
				return err
			}
			name, ifname, _ := strings.Cut(args[0], ":")
			if ifname == "" {
				ifname = "eth0"
			}
			o.Interface = ifname
			nodes, err := labNodes(cmd.Context(), r)
			if err != nil {
				return err
			}
			n, err := findNode(nodes, r.Name, name)
			if err != nil {
				return err
			}
			var c *capture.Capture
			if err := netns.Do(n.Namespace, func() (err error) {
				c, err = capture.Open(o)
				return err
			}); err != nil {
				return fmt.Errorf("capture on %s: %w", n.Label, err)
			}
			defer c.Close()
			var w io.Writer = cmd.OutOrStdout()
			if file != "-" {
				out, err := os.Create(file)
				if err != nil {
					return err
				}
				defer out.Close()
				w = out
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "capturing on %s:%s (%s)\n", n.Label, ifname, c.LinkType())
			res, err := c.Run(cmd.Context(), w)
			if err != nil {
				return err
			}
			if f, ok := w.(*os.File); ok && file != "-" {
				if err := f.Close(); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d packets captured to %s\n", res.Packets, file)
			return nil
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name (default: the only lab on this machine)")
	cmd.Flags().StringVar(&filter, "filter", "", "capture filter in tcpdump's syntax (default: every packet)")
	cmd.Flags().IntVar(&o.Count, "count", 0, "stop after N packets")
	cmd.Flags().DurationVar(&o.Duration, "duration", 0, "stop after this long (such as 10s)")
	cmd.Flags().StringVarP(&file, "write", "w", "", "pcap file to write (- for standard output)")
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
	return cmd
}
