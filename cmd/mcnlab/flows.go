package main

import (
	"context"
	"fmt"
	"net/netip"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/api"
)

func newFlows() *cobra.Command {
	o := &ctlFlags{}
	var q api.FlowsQuery
	cmd := &cobra.Command{
		Use:   "flows [--top N] [--by domain|gateway|app] [--since D] [--lab NAME] [--json]",
		Short: "Show the flows the gateways forwarded and dropped (their IPFIX export)",
		Long: `flows asks the lab's controller for the flow records that the gateways
export as IPFIX (RFC 7011): every gateway sends a record of each flow
direction it forwards, and of each its segmentation policy drops, every
second while the flow carries packets, with the packets and bytes since
the flow started, its start and end, the source and destination domains
and the action (permit or deny).

  mcnlab flows --lab L                      the largest flows, by bytes
  mcnlab flows --lab L --by domain          totals per domain pair (src>dst)
  mcnlab flows --lab L --by app --since 5m  per protocol and server port, last 5 minutes

The same answers come from GET /v1/flows?top=N&by=...&since=... on the
controller's API. A standard decoder reads the export itself: capture UDP
port 4739 on a gateway's lo and open it with tshark.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if q.Top < 0 {
				return fmt.Errorf("--top %d: want 0 (all) or more", q.Top)
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			fs, err := call(cmd, func(ctx context.Context) (api.Flows, error) { return c.Flows(ctx, q) })
			if err != nil {
				return err
			}
			if o.asJSON {
				return printJSON(cmd.OutOrStdout(), fs)
			}
			return printFlows(cmd, q.By, fs)
		},
	}
	o.register(cmd)
	f := cmd.Flags()
	f.IntVar(&q.Top, "top", 20, "show the N largest, by bytes (0: all)")
	f.StringVar(&q.By, "by", "", "group by domain (pair), gateway or app (protocol and server port)")
	f.DurationVar(&q.Since, "since", 0, "only flows with a packet in the last D (e.g. 5m; 0: all kept)")
	return cmd
}

func printFlows(cmd *cobra.Command, by string, fs api.Flows) error {
	out := cmd.OutOrStdout()
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if by == "" {
		if len(fs.Flows) == 0 {
			fmt.Fprintln(out, "no flows")
			return nil
		}
		fmt.Fprintln(w, "GATEWAY\tPROTO\tSOURCE\tDESTINATION\tPACKETS\tBYTES\tSTART\tDURATION\tDOMAINS\tACTION")
		for _, f := range fs.Flows {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", f.Gateway, f.Proto, endpoint(f.Src, f.SrcPort), endpoint(f.Dst, f.DstPort),
				f.Packets, f.Bytes, f.Start.Local().Format("15:04:05"), f.End.Sub(f.Start).Round(time.Millisecond),
				orDash(f.SrcDomain)+">"+orDash(f.DstDomain), f.Action)
		}
		return w.Flush()
	}
	if len(fs.Groups) == 0 {
		fmt.Fprintln(out, "no flows")
		return nil
	}
	fmt.Fprintf(w, "%s\tFLOWS\tPACKETS\tBYTES\tDENIED\n", map[string]string{"domain": "DOMAINS", "gateway": "GATEWAY", "app": "APP"}[by])
	for _, g := range fs.Groups {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\n", g.Key, g.Flows, g.Packets, g.Bytes, g.Denied)
	}
	return w.Flush()
}

// endpoint is "10.1.0.5:443", or the address alone without a port.
func endpoint(a netip.Addr, port uint16) string {
	if port == 0 {
		return a.String()
	}
	return netip.AddrPortFrom(a, port).String()
}
