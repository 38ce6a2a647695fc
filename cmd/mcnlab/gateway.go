package main

import (
	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/dataplane/gateway/daemon"
)

// newGateway is the hidden daemon that runs inside a gateway's namespace
// (started there by emulator.StartDaemon), configured through the
// management API on a unix socket (see dataplane/mgmt). The slim
// mcnlab-gateway binary runs the same daemon (dataplane/gateway/daemon).
func newGateway() *cobra.Command {
	var o daemon.Options
	cmd := &cobra.Command{
		Use:    "gateway --socket PATH [--name NAME] [--config FILE]",
		Short:  "Run a gateway's dataplane and BGP speaker in this namespace (started by mcnlab)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return daemon.Run(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Socket, "socket", "", "unix socket of the management API")
	cmd.Flags().StringVar(&o.Name, "name", "", "gateway name; a config for another name is refused")
	cmd.Flags().StringVar(&o.Level, "log-level", "info", "log level: debug, info, warn, error")
	cmd.Flags().StringVar(&o.Config, "config", "", "file that keeps the configuration last PUT (0600) and is applied again at start")
	return cmd
}
