package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// tokenEnv names the environment variable that gives the API token.
const tokenEnv = "MCNLAB_TOKEN"

// apiTimeout bounds one call to the controller's API.
const apiTimeout = 30 * time.Second

// ctlFlags are the flags of the commands that talk to a lab's controller.
type ctlFlags struct {
	lab    string
	token  string
	asJSON bool
}

func (o *ctlFlags) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&o.lab, labFlag, "", "lab name (default: the only lab on this machine)")
	f.StringVar(&o.token, "token", "", "API token (default: $"+tokenEnv+", else the lab's admin token, readable by root)")
	f.BoolVar(&o.asJSON, "json", false, "print JSON instead of a table")
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
}

// client finds the lab's controller and the token to use: --token, then
// $MCNLAB_TOKEN, then the admin token that the controller wrote.
func (o *ctlFlags) client() (*api.Client, error) {
	lab, err := onlyLab(o.lab)
	if err != nil {
		return nil, err
	}
	token := o.token
	if token == "" {
		token = os.Getenv(tokenEnv)
	}
	if token != "" {
		u, err := api.ControllerURL(lab)
		if err != nil {
			return nil, err
		}
		return api.NewClient(u, token), nil
	}
	u, token, err := api.ControllerEndpoint(lab)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			err = fmt.Errorf("%w; run as root, or give a token with --token or $%s", err, tokenEnv)
		}
		return nil, err
	}
	return api.NewClient(u, token), nil
}

// call runs one API call with the command's context and apiTimeout.
func call[T any](cmd *cobra.Command, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(cmd.Context(), apiTimeout)
	defer cancel()
	return f(ctx)
}

// onlyLab returns name, or the only lab when name is empty.
func onlyLab(name string) (string, error) {
	if name != "" {
		return name, nil
	}
	labs, err := state.List()
	if err != nil {
		return "", err
	}
	switch len(labs) {
	case 0:
		return "", errors.New("no labs on this machine; deploy one with `mcnlab deploy -t FILE`")
	case 1:
		return labs[0], nil
	default:
		return "", fmt.Errorf("%d labs on this machine (%v): name one with --lab", len(labs), labs)
	}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newRoutes() *cobra.Command {
	o := &ctlFlags{}
	cmd := &cobra.Command{
		Use:   "routes",
		Short: "Show the routes waiting for approval, approve them or revoke approvals, show the cloud route tables",
		Long: `routes talks to the lab's controller: it lists the routes that sites
advertise and that wait for approval before a transit propagates them,
approves them or withdraws approvals, and shows the cloud route tables that
the controller manages.

An approval follows the topology's rules: the prefix must be one that the
site advertises, or inside one, and must not lie inside a VPC's range; the
controller refuses others and says why.`,
		Args: cobra.NoArgs,
	}
	o.register(cmd)
	cmd.AddCommand(newRoutesPending(o), newRoutesApproved(o), newRoutesApprove(o), newRoutesRevoke(o), newRoutesTables(o))
	return cmd
}

// listRun is the RunE of a command that lists what one API call returns:
// JSON with --json; else the line empty when there is nothing; else a table
// under header, in which row writes the lines of one item.
func listRun[T any](o *ctlFlags, get func(*api.Client, context.Context) ([]T, error), empty, header string, row func(io.Writer, T)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		c, err := o.client()
		if err != nil {
			return err
		}
		xs, err := call(cmd, func(ctx context.Context) ([]T, error) { return get(c, ctx) })
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if o.asJSON {
			return printJSON(out, xs)
		}
		if len(xs) == 0 && empty != "" {
			fmt.Fprintln(out, empty)
			return nil
		}
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, header)
		for _, x := range xs {
			row(w, x)
		}
		return w.Flush()
	}
}

func newRoutesPending(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "pending [--lab NAME] [--json]",
		Short: "List the routes that wait for approval",
		Args:  cobra.NoArgs,
		RunE: listRun(o, (*api.Client).Pending, "no routes wait for approval", "TRANSIT\tSITE\tPREFIX",
			func(w io.Writer, r api.PendingRoute) {
				fmt.Fprintf(w, "%s\t%s\t%s\n", r.Transit, r.Site, r.Prefix)
			}),
	}
}

func newRoutesApproved(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "approved [--lab NAME] [--json]",
		Short: "List the approved routes, by whom and when",
		Args:  cobra.NoArgs,
		RunE: listRun(o, (*api.Client).Approved, "no routes approved", "TRANSIT\tSITE\tPREFIX\tBY\tAT",
			func(w io.Writer, r api.ApprovedRoute) {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Transit, r.Site, r.Prefix, r.By, r.At.Local().Format(time.DateTime))
			}),
	}
}

func newRoutesApprove(o *ctlFlags) *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "approve SITE PREFIX [--lab NAME] [--json]",
		Short: "Approve a route that a site advertises, so that its transit propagates it",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			site := args[0]
			p, err := parseRoutePrefix("approve", args[1])
			if err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			res, err := call(cmd, func(ctx context.Context) (api.ApproveResult, error) { return c.Approve(ctx, site, p.String()) })
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if o.asJSON {
				return printJSON(out, res)
			}
			if res.Approved {
				fmt.Fprintf(out, "approved %s from site %s on transit %s\n", res.Prefix, res.Site, res.Transit)
			} else {
				fmt.Fprintf(out, "%s from site %s was approved already (transit %s)\n", res.Prefix, res.Site, res.Transit)
			}
			if wait > 0 {
				took, err := waitLearned(cmd.Context(), c, p, wait)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "%s is in the spoke route tables (%s)\n", p, took.Round(time.Millisecond))
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait up to this long until the route is in the spoke VPC route tables")
	return cmd
}

// parseRoutePrefix parses a prefix argument here, for an error that
// quotes the input before any call.
func parseRoutePrefix(op, prefix string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		return p, fmt.Errorf("%s: %w", op, err)
	}
	if p != p.Masked() {
		return p, fmt.Errorf("%s: prefix %q has host bits set; did you mean %s?", op, prefix, p.Masked())
	}
	return p, nil
}

func newRoutesRevoke(o *ctlFlags) *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "revoke SITE PREFIX [--lab NAME] [--json]",
		Short: "Withdraw the approval of a route, so that its transit drops it again",
		Long: `revoke withdraws an approval made with ` + "`routes approve`" + `: the transit
gateways drop the route, and it leaves the spoke VPC route tables; it is
pending again. Approvals written in the topology file stay: change the file.
It needs an operator or admin token.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			site := args[0]
			p, err := parseRoutePrefix("revoke", args[1])
			if err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			res, err := call(cmd, func(ctx context.Context) (api.RevokeResult, error) { return c.Revoke(ctx, site, p.String()) })
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if o.asJSON {
				return printJSON(out, res)
			}
			fmt.Fprintf(out, "revoked the approval of %s from site %s on transit %s\n", res.Prefix, res.Site, res.Transit)
			if wait > 0 {
				took, err := waitTables(cmd.Context(), c, p, false, wait)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "%s is out of every spoke route table (%s)\n", p, took.Round(time.Millisecond))
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait up to this long until the route has left every spoke VPC route table")
	return cmd
}

// waitLearned polls the controller's route tables until prefix is a
// learned route in one of them.
func waitLearned(ctx context.Context, c *api.Client, prefix netip.Prefix, limit time.Duration) (time.Duration, error) {
	return waitTables(ctx, c, prefix, true, limit)
}

// waitTables polls the controller's route tables until prefix is a learned
// route in one of them (present) or in none (!present).
func waitTables(ctx context.Context, c *api.Client, prefix netip.Prefix, present bool, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		tables, err := c.RouteTables(ctx)
		if err == nil {
			in := false
			for _, rt := range tables {
				for _, r := range rt.Routes {
					in = in || (r.Origin == api.OriginLearned && r.Destination == prefix)
				}
			}
			if in == present {
				return time.Since(start), nil
			}
		}
		select {
		case <-ctx.Done():
			if present {
				return time.Since(start), fmt.Errorf("%s is not in any spoke route table after %s", prefix, limit)
			}
			return time.Since(start), fmt.Errorf("%s is still in a spoke route table after %s", prefix, limit)
		case <-t.C:
		}
	}
}

func newRoutesTables(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "tables [--lab NAME] [--json]",
		Short: "Show the cloud route tables and where each route comes from",
		Args:  cobra.NoArgs,
		RunE: listRun(o, (*api.Client).RouteTables, "no route tables", "VPC\tSUBNET\tROUTE TABLE\tDESTINATION\tTARGET\tORIGIN",
			func(w io.Writer, t api.RouteTable) {
				if len(t.Routes) == 0 {
					fmt.Fprintf(w, "%s\t%s\t%s\t-\t-\t-\n", t.VPC, t.Subnet, t.RouteTableID)
				}
				for _, r := range t.Routes {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.VPC, t.Subnet, t.RouteTableID, r.Destination, r.Target, r.Origin)
				}
			}),
	}
}
