package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/google/nftables"
	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/dataplane/gateway/daemon"
	"github.com/mcnlab/mcnlab/dataplane/uservpn"
)

// newVPNGateway is the hidden daemon of a user VPN gateway instance: an
// OpenVPN server (dataplane/uservpn) in the namespace it runs in, with the
// profiles' rules in its nftables, configured through the management API
// on a unix socket. The cloud's realizer starts it in the namespace of
// every instance launched with the VPN image. It runs no OpenVPN until
// the controller pushes a configuration; when it stops, OpenVPN and the
// table go with it. Its files are in the directory SOCKET.d (0700).
func newVPNGateway() *cobra.Command {
	var socket, name string
	cmd := &cobra.Command{
		Use:    "vpn-gateway --socket PATH [--name NAME]",
		Short:  "Run a user VPN gateway's OpenVPN server in this namespace (started by the lab's cloud)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if socket == "" {
				return errors.New("vpn-gateway: --socket is required")
			}
			if err := needRoot("vpn-gateway"); err != nil {
				return err
			}
			if err := daemon.InLabNamespace(); err != nil {
				return err
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("vpn", name)
			for k, v := range egressSysctls { // forwarding, no redirects: the same needs as an egress gateway
				if err := os.WriteFile(filepath.Join("/proc/sys", k), []byte(v), 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("vpn-gateway: sysctl %s: %w", k, err)
				}
			}
			nft, err := nftables.New()
			if err != nil {
				return fmt.Errorf("vpn-gateway: %w", err)
			}
			g := uservpn.New(uservpn.Options{Dir: socket + ".d", Nft: nft, Logger: logger})
			defer g.Close()
			srv, err := uservpn.Listen(socket, g, logger)
			if err != nil {
				return err
			}
			logger.Info("serving the VPN gateway API", "socket", socket, "pid", os.Getpid())
			<-cmd.Context().Done()
			logger.Info("stopping")
			return srv.Close()
		},
	}
	cmd.Flags().StringVar(&socket, "socket", "", "unix socket of the VPN gateway API")
	cmd.Flags().StringVar(&name, "name", "", "gateway name, reported in its logs")
	return cmd
}
