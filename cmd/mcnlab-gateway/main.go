// Command mcnlab-gateway is the slim gateway daemon: `mcnlab-gateway
// gateway --socket PATH [--name NAME] [--config FILE] [--log-level L]` runs
// exactly what `mcnlab gateway` runs (dataplane/gateway/daemon), from a
// binary that holds the dataplane only: a gateway maps a quarter of the
// pages of mcnlab, which holds every cloud's SDK and emulator, and a lab
// runs hundreds of gateways. mcnlab starts it in place of itself for the
// gateway verb when it lies beside the mcnlab binary (make build puts it
// there); any other verb (firewall, egress-gateway, ...) it hands to that
// mcnlab binary by exec, with the same arguments.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/mcnlab/mcnlab/dataplane/gateway/daemon"
)

func main() {
	if err := run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "mcnlab-gateway:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 || args[1] != "gateway" {
		return execFull(args)
	}
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	var o daemon.Options
	fs.StringVar(&o.Socket, "socket", "", "unix socket of the management API")
	fs.StringVar(&o.Name, "name", "", "gateway name; a config for another name is refused")
	fs.StringVar(&o.Level, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&o.Config, "config", "", "file that keeps the configuration last PUT (0600) and is applied again at start")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("gateway: unexpected arguments %q", fs.Args())
	}
	// As mcnlab's commands: SIGINT and SIGTERM stop it cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return daemon.Run(ctx, o)
}

// execFull replaces this process with the mcnlab binary beside it, with
// the same arguments.
func execFull(args []string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the mcnlab binary: %w", err)
	}
	full := filepath.Join(filepath.Dir(self), "mcnlab")
	if _, err := os.Stat(full); err != nil {
		return errors.Join(errors.New("this binary runs only `gateway`; the mcnlab binary beside it runs the rest"), err)
	}
	return syscall.Exec(full, append([]string{full}, args[1:]...), os.Environ())
}
