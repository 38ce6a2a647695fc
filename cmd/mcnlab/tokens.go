package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/store"
)

func newTokens() *cobra.Command {
	o := &ctlFlags{}
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "Create, list and revoke the API tokens of the lab's controller",
		Long: `tokens manages the bearer tokens of the lab's controller API. A token has
one role: read-only may read everything, operator may also approve routes and
run diagnostics, admin may also manage tokens. These commands need an admin
token: the lab's own (readable by root), --token or $` + tokenEnv + `.`,
		Args: cobra.NoArgs,
	}
	o.register(cmd)
	cmd.AddCommand(newTokensCreate(o), newTokensList(o), newTokensRevoke(o))
	return cmd
}

func newTokensCreate(o *ctlFlags) *cobra.Command {
	var name, role string
	cmd := &cobra.Command{
		Use:   "create --name NAME --role admin|operator|read-only [--lab NAME] [--json]",
		Short: "Create a token and print its secret (shown this once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := store.ParseRole(role)
			if err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			nt, err := call(cmd, func(ctx context.Context) (api.NewToken, error) { return c.CreateToken(ctx, name, r) })
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if o.asJSON {
				return printJSON(out, nt)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "created token %s with role %s; its secret is shown this once:\n", nt.Name, nt.Role)
			fmt.Fprintln(out, nt.Token)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the token's name (letters, digits, '.', '_', '@', '-')")
	cmd.Flags().StringVar(&role, "role", "", "the token's role: admin, operator or read-only")
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("role")
	_ = cmd.RegisterFlagCompletionFunc("role", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var rs []string
		for _, r := range store.Roles {
			rs = append(rs, string(r))
		}
		return rs, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func newTokensList(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list [--lab NAME] [--json]",
		Short: "List the tokens (names, roles and ages; never their secrets)",
		Args:  cobra.NoArgs,
		RunE: listRun(o, (*api.Client).Tokens, "", "NAME\tROLE\tCREATED", func(w io.Writer, t store.TokenInfo) {
			fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, t.Role, t.Created.Local().Format(time.DateTime))
		}),
	}
}

func newTokensRevoke(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME [--lab NAME]",
		Short: "Revoke a token: it stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			if _, err := call(cmd, func(ctx context.Context) (struct{}, error) { return struct{}{}, c.RevokeToken(ctx, args[0]) }); err != nil {
				return err
			}
			if o.asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"name": args[0], "revoked": true})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked token %s\n", args[0])
			return nil
		},
	}
}
