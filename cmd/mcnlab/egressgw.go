package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/egress"
	"github.com/mcnlab/mcnlab/dataplane/egressmgmt"
	"github.com/mcnlab/mcnlab/dataplane/gateway/daemon"
)

// egressSysctls are what an egress gateway's namespace needs: forwarding,
// and no ICMP redirects (a one-armed gateway sends its clients' packets
// back out the link they came in on, and must not tell them to bypass
// it).
var egressSysctls = map[string]string{
	"net/ipv4/ip_forward":                  "1",
	"net/ipv6/conf/all/forwarding":         "1",
	"net/ipv4/conf/all/send_redirects":     "0",
	"net/ipv4/conf/default/send_redirects": "0",
}

// egressUplink is the egress gateway instance's one interface.
const egressUplink = "eth0"

// newEgressGateway is the hidden daemon of an FQDN egress gateway
// instance: the FQDN filter (dataplane/egress) with source NAT out of its
// interface, on the namespace it runs in, its policy set through the
// management API on a unix socket (dataplane/egressmgmt). The cloud's
// realizer starts it in the namespace of every instance launched with the
// egress image, as it starts gateways. It boots denying every forwarded
// connection (an allow-list with no rule for every client) until the
// controller pushes a policy; when it stops, its table goes with it.
func newEgressGateway() *cobra.Command {
	var socket, name string
	cmd := &cobra.Command{
		Use:    "egress-gateway --socket PATH [--name NAME]",
		Short:  "Run an FQDN egress gateway's filter in this namespace (started by the lab's cloud)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if socket == "" {
				return errors.New("egress-gateway: --socket is required")
			}
			if err := needRoot("egress-gateway"); err != nil {
				return err
			}
			if err := daemon.InLabNamespace(); err != nil {
				return err
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("egress", name)
			for k, v := range egressSysctls {
				if err := os.WriteFile(filepath.Join("/proc/sys", k), []byte(v), 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("egress-gateway: sysctl %s: %w", k, err)
				}
			}
			if err := os.WriteFile("/proc/sys/net/ipv4/conf/"+egressUplink+"/send_redirects", []byte("0"), 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("egress-gateway: %w", err)
			}
			fd, err := unix.Open("/proc/self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("egress-gateway: open own network namespace: %w", err)
			}
			counts := &egressmgmt.Counts{}
			boot := egressmgmt.BootConfig()
			pol, _ := boot.Policy()
			f, err := egress.StartIn(fd, egress.Config{Table: "mcn-egress", Queue: 1, Policy: pol, OnDecision: counts.Record, Masquerade: egressUplink})
			unix.Close(fd)
			if err != nil {
				return err
			}
			defer f.Close()
			b := egressmgmt.NewBackend(name, f, counts, boot)
			srv, err := egressmgmt.Listen(socket, b, logger)
			if err != nil {
				return err
			}
			go b.Resolve(cmd.Context(), 5*time.Second)
			logger.Info("serving the egress API", "socket", socket, "pid", os.Getpid())
			<-cmd.Context().Done()
			logger.Info("stopping")
			return srv.Close()
		},
	}
	cmd.Flags().StringVar(&socket, "socket", "", "unix socket of the egress API")
	cmd.Flags().StringVar(&name, "name", "", "gateway name, reported in its status")
	return cmd
}
