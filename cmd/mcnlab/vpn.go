package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/vpnauth"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

func newVPN() *cobra.Command {
	o := &ctlFlags{}
	cmd := &cobra.Command{
		Use:   "vpn",
		Short: "Sign in to the user VPN, list its users and sessions, disconnect a user",
		Long: `vpn works with the lab's user VPN (the user-vpn block of the topology):
OpenVPN gateways that users reach from their laptops with the stock OpenVPN
client, signing in at the lab's SAML identity provider.

  mcnlab vpn login USER --lab L [--password-file F] [--gateway G] [--lifetime 15m] [--out FILE]
                                          sign in at the IdP (password from the file or
                                          standard input) and write the client configuration
  mcnlab vpn users --lab L                the IdP's users, groups and profiles
  mcnlab vpn sessions --lab L             who is connected to which gateway
  mcnlab vpn disconnect USER --lab L      end a user's sessions; their rules leave the gateways`,
		Args: cobra.NoArgs,
	}
	o.register(cmd)
	cmd.AddCommand(newVPNLogin(o), newVPNUsers(o), newVPNSessions(o), newVPNDisconnect(o))
	return cmd
}

func newVPNLogin(o *ctlFlags) *cobra.Command {
	var passwordFile, gateway, lifetime, out string
	cmd := &cobra.Command{
		Use:   "login USER [--lab NAME] [--password-file FILE] [--gateway NAME] [--lifetime DURATION] [--out FILE]",
		Short: "Sign in at the lab's SAML IdP and write the OpenVPN client configuration it earns",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			user := args[0]
			pw, err := readPassword(cmd.InOrStdin(), passwordFile)
			if err != nil {
				return err
			}
			lab, err := onlyLab(o.lab)
			if err != nil {
				return err
			}
			base, err := api.ControllerURL(lab)
			if err != nil {
				return err
			}
			q := url.Values{}
			if gateway != "" {
				q.Set("gateway", gateway)
			}
			if lifetime != "" {
				q.Set("lifetime", lifetime)
			}
			start, err := url.Parse(base + mcnlab.VPNSAMLPath + "/login?" + q.Encode())
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			cred, err := vpnauth.Login(ctx, nil, start, user, pw)
			if err != nil {
				return err
			}
			if out == "" {
				out = user + ".ovpn"
			}
			if err := os.WriteFile(out, []byte(cred.Config), 0o600); err != nil {
				return fmt.Errorf("write the client configuration: %w", err)
			}
			if o.asJSON {
				cred.Config = ""
				return printJSON(cmd.OutOrStdout(), cred)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "signed in as %s (profile %s): credential for gateway %s valid until %s, written to %s\n",
				cred.User, cred.Profile, cred.Gateway, cred.NotAfter.Local().Format(time.RFC3339), out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&passwordFile, "password-file", "", "read the password from the first line of this file (default: standard input)")
	f.StringVar(&gateway, "gateway", "", "the VPN gateway to connect to (default: the first)")
	f.StringVar(&lifetime, "lifetime", "", "how long the credential is valid, at most the topology's lifetime (default: that)")
	f.StringVarP(&out, "out", "o", "", "where to write the client configuration, mode 0600 (default: USER.ovpn)")
	return cmd
}

// readPassword reads the first line of file, or of in when file is "".
func readPassword(in io.Reader, file string) (string, error) {
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("password: %w", err)
		}
		defer f.Close()
		in = f
	}
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("password: empty; give it on standard input or with --password-file")
	}
	return pw, nil
}

func newVPNUsers(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "users [--lab NAME] [--json]",
		Short: "List the IdP's users, their groups and the profile their credentials are bound to",
		Args:  cobra.NoArgs,
		RunE: listRun(o, (*api.Client).VPNUsers, "no VPN users", "USER\tGROUPS\tPROFILE",
			func(w io.Writer, u api.VPNUser) {
				fmt.Fprintf(w, "%s\t%s\t%s\n", u.Name, orDash(strings.Join(u.Groups, ",")), orDash(u.Profile))
			}),
	}
}

func newVPNSessions(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "sessions [--lab NAME] [--json]",
		Short: "List the users connected to the VPN gateways",
		Args:  cobra.NoArgs,
		RunE: listRun(o, (*api.Client).VPNSessions, "no VPN sessions", "GATEWAY\tUSER\tPROFILE\tADDRESS\tFROM\tSINCE",
			func(w io.Writer, s api.VPNSession) {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Gateway, s.User, s.Profile, s.Address, s.Remote, s.Since.Local().Format("15:04:05"))
			}),
	}
}

func newVPNDisconnect(o *ctlFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "disconnect USER [--lab NAME] [--json]",
		Short: "End a user's VPN sessions; returns once the user's rules are gone from the gateways",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			res, err := call(cmd, func(ctx context.Context) (api.VPNDisconnectResult, error) { return c.VPNDisconnect(ctx, args[0]) })
			if err != nil {
				return err
			}
			if o.asJSON {
				return printJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s disconnected from %s\n", res.User, strings.Join(res.Gateways, ", "))
			return nil
		},
	}
}
