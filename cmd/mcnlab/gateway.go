package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/gateway"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// newGateway is the hidden daemon that runs inside a gateway's namespace
// (started there by emulator.StartDaemon), configured through the
// management API on a unix socket (see dataplane/mgmt).
func newGateway() *cobra.Command {
	var socket, name, level, config string
	cmd := &cobra.Command{
		Use:    "gateway --socket PATH [--name NAME] [--config FILE]",
		Short:  "Run a gateway's dataplane and BGP speaker in this namespace (started by mcnlab)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if socket == "" {
				return errors.New("gateway: --socket is required")
			}
			if err := needRoot("gateway"); err != nil {
				return err
			}
			if err := inLabNamespace(); err != nil {
				return err
			}
			var lv slog.Level
			if err := lv.UnmarshalText([]byte(level)); err != nil {
				return fmt.Errorf("gateway: --log-level: %w", err)
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv})).With("gateway", name)
			eng, err := gateway.New(gateway.Options{Name: name, Logger: logger})
			if err != nil {
				return err
			}
			var backend mgmt.Backend = gateway.Backend{E: eng}
			if config != "" {
				backend = &persisting{Backend: backend, path: config}
				restoreConfig(cmd.Context(), backend, config, logger)
			}
			srv, err := mgmt.Listen(socket, backend, logger)
			if err != nil {
				return errors.Join(err, eng.Close())
			}
			logger.Info("serving the management API", "socket", socket, "pid", os.Getpid())
			<-cmd.Context().Done()
			logger.Info("stopping")
			return errors.Join(srv.Close(), eng.Close())
		},
	}
	cmd.Flags().StringVar(&socket, "socket", "", "unix socket of the management API")
	cmd.Flags().StringVar(&name, "name", "", "gateway name; a config for another name is refused")
	cmd.Flags().StringVar(&level, "log-level", "info", "log level: debug, info, warn, error")
	cmd.Flags().StringVar(&config, "config", "", "file that keeps the configuration last PUT (0600) and is applied again at start")
	return cmd
}

// restoreConfig applies the configuration saved in path, if there is one,
// before the API serves: a restarted gateway rejoins with the configuration
// it had, with no operator action. A file that cannot be read or applied
// is logged and the gateway starts unconfigured, so the controller can
// still push a fresh configuration.
func restoreConfig(ctx context.Context, b mgmt.Backend, path string, logger *slog.Logger) {
	cfg, ok, err := loadConfig(path)
	if err != nil {
		logger.Error("not restoring the saved configuration", "err", err)
		return
	}
	if !ok {
		return
	}
	if _, err := b.Apply(ctx, cfg); err != nil {
		logger.Error("restoring the saved configuration failed", "config", path, "err", err)
		return
	}
	logger.Info("restored the saved configuration", "config", path, "peers", len(cfg.Peers), "neighbors", len(cfg.Neighbors))
}

// inLabNamespace refuses to run anywhere but in a lab's namespace (one
// of /run/netns/mcn-*): the gateway owns every protocol-186 route of the
// namespace it runs in and flushes them when it stops, and elsewhere it
// would put tunnels and lab routes on the host.
func inLabNamespace() error {
	var self unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &self); err != nil {
		return fmt.Errorf("gateway: stat own network namespace: %w", err)
	}
	ents, _ := os.ReadDir(netns.Dir)
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), emulator.Prefix) {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(netns.Path(e.Name()), &st) == nil && st.Ino == self.Ino && st.Dev == self.Dev {
			return nil
		}
	}
	return fmt.Errorf("gateway: refusing to run outside a lab namespace (%s/%s*); mcnlab starts it inside a gateway's namespace", netns.Dir, emulator.Prefix)
}
