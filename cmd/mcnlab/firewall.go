package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/gateway/daemon"
)

// l7Dir is where a firewall daemon's L7 engine keeps squid's files
// (squid.conf, access.log, cache.log): beside its socket in the lab's
// directory, named after it.
func l7Dir(socket string) string { return strings.TrimSuffix(socket, ".sock") + ".squid" }

// newFirewall is the hidden daemon of a FireNet firewall instance: the
// stateful firewall engine (dataplane/firewall) on the namespace it runs
// in, its policy set through the management API on a unix socket
// (dataplane/fwmgmt). The cloud's realizer starts it in the namespace of
// every instance launched with the firewall image, as it starts gateways.
// It boots with the allow-all policy until the controller pushes one; a
// policy with engine l7 starts squid as its child (l7Dir), which stops
// with it.
// Its nftables table outlives it (the kernel enforces the policy, not
// the daemon): a daemon that stops leaves the policy in force, and one
// that starts again replaces it with allow-all until the next push.
func newFirewall() *cobra.Command {
	var socket, name string
	cmd := &cobra.Command{
		Use:    "firewall --socket PATH [--name NAME]",
		Short:  "Run a FireNet firewall's stateful engine in this namespace (started by the lab's cloud)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if socket == "" {
				return errors.New("firewall: --socket is required")
			}
			if err := needRoot("firewall"); err != nil {
				return err
			}
			if err := daemon.InLabNamespace(); err != nil {
				return err
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("firewall", name)
			slog.SetDefault(logger) // the l7 engine's squid supervisor logs here
			fd, err := unix.Open("/proc/self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("firewall: open own network namespace: %w", err)
			}
			eng, err := firewall.StartIn(fd, firewall.Config{}, l7Dir(socket))
			unix.Close(fd)
			if err != nil {
				return err
			}
			srv, err := fwmgmt.Listen(socket, fwmgmt.NewBackend(name, eng), logger)
			if err != nil {
				return err
			}
			logger.Info("serving the firewall API", "socket", socket, "pid", os.Getpid())
			<-cmd.Context().Done()
			logger.Info("stopping")
			// The table stays (see above); squid, its child, goes.
			return errors.Join(srv.Close(), eng.StopProxy())
		},
	}
	cmd.Flags().StringVar(&socket, "socket", "", "unix socket of the firewall API")
	cmd.Flags().StringVar(&name, "name", "", "firewall name, reported in its status")
	return cmd
}
