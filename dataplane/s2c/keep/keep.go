// Package keep ties a gateway's charon (site-to-cloud IPsec, dataplane/s2c)
// to the gateway daemon that runs beside it in the same namespace: the
// lab records, next to the daemon's management socket, where the charon's
// files are and what goes on its TUN device (Spec); the daemon (Keep)
// reloads the charon's connections when it starts, and starts the charon
// again, with its inside addresses and routes on the new TUN device,
// whenever it is not running. So a gateway appliance whose processes all
// died and whose daemon the cloud restarted (as a VM's service manager
// does) comes back with its tunnels, and the controller, which moves the
// sites' routes back to it once it answers, finds them there.
//
// It holds only what the gateway daemon needs (no emulator), so that the
// slim gateway binary stays slim.
package keep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator/ipsec"
)

// Spec is what a gateway's charon needs beside the files in its
// directory: the addresses and routes that go on its TUN device, which a
// new charon makes anew.
type Spec struct {
	// Dir holds charon's strongswan.conf, swanctl.conf, credentials,
	// control socket and logs (emulator.CharonDir).
	Dir string `json:"dir"`
	// Inside are the gateway's inside addresses of connections with
	// BGP, with their network's length.
	Inside []netip.Prefix `json:"inside,omitempty"`
	// Routes are the site prefixes routed into the TUN device.
	Routes []netip.Prefix `json:"routes,omitempty"`
}

// SpecFile is where the lab keeps the Spec of the charon beside the
// gateway daemon whose management socket is socket.
func SpecFile(socket string) string { return strings.TrimSuffix(socket, ".sock") + ".s2c.json" }

// Save writes s to file (0600).
func Save(file string, s Spec) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("charon spec: %w", err)
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("charon spec: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("charon spec: %w", err)
	}
	return nil
}

// load reads the Spec in file; ok is false when there is none.
func load(file string) (s Spec, ok bool, err error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("charon spec: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, false, fmt.Errorf("charon spec %s: %w", file, err)
	}
	if !filepath.IsAbs(s.Dir) {
		return s, false, fmt.Errorf("charon spec %s: directory %q is not absolute", file, s.Dir)
	}
	return s, true, nil
}

// OnTUN puts s's inside addresses on charon's TUN device and routes its
// site prefixes into it, through h (the gateway's namespace); both are
// replaced when there.
func OnTUN(h *netlink.Handle, s Spec) error {
	link, err := h.LinkByName(ipsec.TUN)
	if err != nil {
		return fmt.Errorf("charon's %s: %w", ipsec.TUN, err)
	}
	for _, a := range s.Inside {
		na := &netlink.Addr{IPNet: &net.IPNet{IP: a.Addr().AsSlice(), Mask: net.CIDRMask(a.Bits(), 32)}}
		if err := h.AddrReplace(link, na); err != nil {
			return fmt.Errorf("inside address %s on %s: %w", a, ipsec.TUN, err)
		}
	}
	for _, p := range s.Routes {
		r := &netlink.Route{LinkIndex: link.Attrs().Index, Dst: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 32)},
			Scope: netlink.SCOPE_LINK, Protocol: unix.RTPROT_STATIC}
		if err := h.RouteReplace(r); err != nil {
			return fmt.Errorf("route %s dev %s: %w", p, ipsec.TUN, err)
		}
	}
	return nil
}

// Every is how often Keep checks that charon runs.
const Every = 200 * time.Millisecond

// startTimeout bounds a charon's start up to its connections loaded and
// its TUN device configured.
const startTimeout = 15 * time.Second

// Keep runs in the gateway daemon (in the gateway's namespace) until ctx
// ends: once the Spec beside socket exists, it reloads the running
// charon's connections (the daemon was restarted while charon ran on),
// and whenever charon's control socket does not answer it starts charon
// again on its directory and puts the addresses and routes back on its
// new TUN device. A charon it started outlives the daemon, as one the lab
// started does: a restarted daemon finds it running.
func Keep(ctx context.Context, socket string, log *slog.Logger) {
	file := SpecFile(socket)
	t := time.NewTicker(Every)
	defer t.Stop()
	first := true
	var lastErr string
	for {
		if err := keepOnce(ctx, file, first, log); err != nil {
			if err.Error() != lastErr {
				log.Error("site-to-cloud charon", "err", err)
			}
			lastErr = err.Error()
		} else {
			lastErr = ""
			first = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// keepOnce checks charon once: with reload, a running one reloads its
// connections and gets its TUN device's addresses and routes again.
func keepOnce(ctx context.Context, file string, reload bool, log *slog.Logger) error {
	s, ok, err := load(file)
	if err != nil || !ok {
		return err
	}
	up := running(s.Dir)
	if up && !reload {
		return nil
	}
	h, err := netlink.NewHandle()
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	defer h.Close()
	if up {
		if err := ipsec.Load(ctx, s.Dir, func() bool { return running(s.Dir) }); err != nil {
			return err
		}
		log.Info("site-to-cloud charon runs; reloaded its connections", "dir", s.Dir)
		return OnTUN(h, s)
	}
	if ctx.Err() != nil {
		return nil // the daemon stops: it starts no charon that would outlive it
	}
	log.Warn("site-to-cloud charon is not running; starting it", "dir", s.Dir)
	start := time.Now()
	if err := startCharon(ctx, h, s); err != nil {
		return err
	}
	log.Info("site-to-cloud charon started", "dir", s.Dir, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// running reports whether the charon of dir answers on its control
// socket.
func running(dir string) bool {
	c, err := net.DialTimeout("unix", strings.TrimPrefix(ipsec.ViciURI(dir), "unix://"), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// startCharon starts charon on s's directory in this namespace, in a
// session of its own (it outlives the daemon), waits until its
// connections are loaded and puts the addresses and routes on its TUN
// device.
func startCharon(ctx context.Context, h *netlink.Handle, s Spec) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	out, err := os.OpenFile(filepath.Join(s.Dir, "charon.out"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("start charon: %w", err)
	}
	defer out.Close()
	argv := ipsec.CharonArgv(s.Dir)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start charon: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait() //nolint:errcheck // reaps charon; its death is seen on its control socket
		close(exited)
	}()
	if err := ipsec.Load(ctx, s.Dir, ipsec.Alive(exited)); err != nil {
		return fmt.Errorf("start charon (pid %d): %w", cmd.Process.Pid, err)
	}
	for {
		err := OnTUN(h, s)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("charon (pid %d): %w (%w)", cmd.Process.Pid, err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
