package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/console"
	"github.com/mcnlab/mcnlab/controller/store"
)

// uiInfo is what `mcnlab ui --json` prints.
type uiInfo struct {
	URL   string     `json:"url"`
	Token string     `json:"token"`
	Role  store.Role `json:"role"`
	Name  string     `json:"name,omitempty"`
}

func newUI() *cobra.Command {
	o := &ctlFlags{}
	var role string
	cmd := &cobra.Command{
		Use:   "ui [--lab NAME] [--role read-only|operator|admin] [--json]",
		Short: "Print the web console's URL and a token to sign in with (opens nothing)",
		Long: `ui prints where the lab's controller serves its web console (/ui/: the
map, gateways, routes and approvals, segmentation, FlowIQ, FlightPath, the
VPC tracker and the event log) and a token to paste into its sign-in form.

Without --role it prints the token it uses (--token, $` + tokenEnv + `, else the
lab's admin token, readable by root). With --role it makes a new token of
that role (named ui-ROLE-TIME; it needs an admin token) so that a
student can sign in as read-only, say, and see no approve button.
It starts no browser: the console is at the printed address on this machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			info := uiInfo{URL: strings.TrimRight(c.BaseURL, "/") + console.Path, Token: c.Token}
			if role != "" {
				r, err := store.ParseRole(role)
				if err != nil {
					return err
				}
				name := fmt.Sprintf("ui-%s-%d", r, time.Now().Unix())
				nt, err := call(cmd, func(ctx context.Context) (api.NewToken, error) { return c.CreateToken(ctx, name, r) })
				if err != nil {
					return err
				}
				info.Token, info.Name = nt.Token, nt.Name
			}
			who, err := call(cmd, func(ctx context.Context) (api.Whoami, error) {
				return api.NewClient(c.BaseURL, info.Token).Whoami(ctx)
			})
			if err != nil {
				return fmt.Errorf("the controller does not take the token: %w", err)
			}
			info.Role = who.Role
			if info.Name == "" {
				info.Name = who.Name
			}
			out := cmd.OutOrStdout()
			if o.asJSON {
				return printJSON(out, info)
			}
			fmt.Fprintf(out, "console: %s\ntoken:   %s\nrole:    %s\n", info.URL, info.Token, info.Role)
			fmt.Fprintln(cmd.ErrOrStderr(), "open the console in a browser on this machine and paste the token into its sign-in form")
			return nil
		},
	}
	o.register(cmd)
	cmd.Flags().StringVar(&role, "role", "", "make a new token of this role (read-only, operator or admin) instead of printing the one in use")
	_ = cmd.RegisterFlagCompletionFunc("role", cobra.FixedCompletions([]string{"read-only", "operator", "admin"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
