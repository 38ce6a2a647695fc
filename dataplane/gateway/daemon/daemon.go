// Package daemon runs a gateway's daemon: the gateway engine behind its
// management API on a unix socket, with the configuration last PUT kept in
// a file and applied again at start. Both `mcnlab gateway` and the slim
// `mcnlab-gateway` binary (cmd/mcnlab-gateway, which holds only this and
// the dataplane, so that each of a lab's hundreds of gateways maps a
// fraction of mcnlab's pages) run it. It must not start anything outside
// the lab namespace it runs in.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/capture"
	"github.com/mcnlab/mcnlab/dataplane/gateway"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/s2c/keep"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// Options are a gateway daemon's flags.
type Options struct {
	// Socket is the management API's unix socket (required).
	Socket string
	// Name is the gateway's name; a configuration for another is refused.
	Name string
	// Level is the log level: debug, info, warn or error.
	Level string
	// Config is the file that keeps the configuration last PUT ("": none).
	Config string
}

// nsPrefix is the prefix of a lab's namespaces (emulator.Prefix).
const nsPrefix = "mcn-"

// GCPercent is the gateway's garbage collector target when GOGC is not
// set: a gateway holds little live data (its routes and tunnels), so a
// tighter target keeps its heap, and the RSS of hundreds of gateways on
// one machine, small at a small CPU cost.
const GCPercent = 50

// Run serves the gateway until ctx ends, then stops it. It refuses to run
// outside a lab namespace.
func Run(ctx context.Context, o Options) error {
	if o.Socket == "" {
		return errors.New("gateway: --socket is required")
	}
	if os.Geteuid() != 0 {
		return errors.New("gateway needs root (it creates network namespaces); run it with sudo")
	}
	if err := InLabNamespace(); err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	stopProfile, err := startProfile(o.Name)
	if err != nil {
		return err
	}
	defer stopProfile()
	tr := &trimmer{}
	go releaseMemory(ctx, ReleaseEvery, ReleaseAbove, tr)
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(o.Level)); err != nil {
		return fmt.Errorf("gateway: --log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv})).With("gateway", o.Name)
	eng, err := gateway.New(gateway.Options{Name: o.Name, Logger: logger})
	if err != nil {
		return err
	}
	var backend mgmt.Backend = trimAfterApply{Backend: gateway.Backend{E: eng}, tr: tr}
	if o.Config != "" {
		backend = &persisting{Backend: backend, path: o.Config}
		restoreConfig(ctx, backend, o.Config, logger)
	}
	// Packet captures on the gateway's own interfaces, for the
	// controller's per-gateway capture API.
	captures := &capture.Manager{}
	srv, err := mgmt.Listen(o.Socket, capturing{Backend: backend, Manager: captures}, logger)
	if err != nil {
		return errors.Join(err, eng.Close())
	}
	logger.Info("serving the management API", "socket", o.Socket, "pid", os.Getpid())
	// A site-to-cloud charon beside the gateway lives as long as it does.
	go keep.Keep(ctx, o.Socket, logger)
	<-ctx.Done()
	logger.Info("stopping")
	return errors.Join(srv.Close(), captures.Close(), eng.Close())
}

// capturing is a gateway's management backend that also serves packet
// captures (mgmt.Captures).
type capturing struct {
	mgmt.Backend
	*capture.Manager
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

// InLabNamespace refuses to run anywhere but in a lab's namespace (one
// of /run/netns/mcn-*): the gateway owns every protocol-186 route of the
// namespace it runs in and flushes them when it stops, and elsewhere it
// would put tunnels and lab routes on the host.
func InLabNamespace() error {
	var self unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &self); err != nil {
		return fmt.Errorf("gateway: stat own network namespace: %w", err)
	}
	ents, _ := os.ReadDir(netns.Dir)
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), nsPrefix) {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(netns.Path(e.Name()), &st) == nil && st.Ino == self.Ino && st.Dev == self.Dev {
			return nil
		}
	}
	return fmt.Errorf("gateway: refusing to run outside a lab namespace (%s/%s*); mcnlab starts it inside a gateway's namespace", netns.Dir, nsPrefix)
}
