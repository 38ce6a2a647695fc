package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	vnetns "github.com/vishvananda/netns"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// Where Debian installs the routing daemons (packages frr and bird2).
var (
	FRRDir  = "/usr/lib/frr"
	BIRDBin = "/usr/sbin/bird"
)

// Daemon is a routing daemon's files and the commands that start it, all
// under the node's directory in the lab's state.
type Daemon struct {
	Dir   string
	Files map[string]string // file name in Dir -> content
	// Start lists the shell commands that start the daemon, in order; each
	// daemonizes itself and returns once it runs.
	Start []string
	// Owner, when set, is the user the daemon runs as, who must own Dir.
	Owner string
	// Private lists subdirectories of Dir made mode 0700 (for Owner, or
	// root), for what no other user may reach, such as a control socket
	// that its daemon creates world-writable.
	Private []string
	// Check, when set, is the command that checks a configuration the
	// topology gave (config:) before the daemon starts: FRR's dry run.
	Check string
}

// frrPrivateDir is the node directory's subdirectory, mode 0700, that holds
// bfdd's control socket: bfdd creates the socket with mode 0777 (it clears
// its umask to bind it), and through it anyone could add and remove BFD
// sessions.
const frrPrivateDir = "private"

// NodeDir is where a node's daemon keeps configuration, sockets and logs.
func NodeDir(lab, node string) string { return filepath.Join(state.Dir(lab), "nodes", node) }

// BFDControlSocket is the path of an frr node's bfdd control socket, in a
// directory that only FRR's user (and root) may enter.
func BFDControlSocket(lab, node string) string {
	return filepath.Join(NodeDir(lab, node), frrPrivateDir, "bfdd.sock")
}

// DaemonFor returns the routing daemon of an frr or bird node, or of a
// strongswan node with bgp (FRR beside charon), or nil.
func DaemonFor(lab string, n *PlanNode) *Daemon {
	dir := NodeDir(lab, n.Name)
	kind := n.Kind
	if kind == topologies.KindStrongSwan && n.BGP != nil {
		kind = topologies.KindFRR
	}
	switch kind {
	case topologies.KindFRR:
		bgpd := n.Config
		if bgpd == "" {
			bgpd = frrBGPConfig(n, dir)
		}
		d := FRRDaemon(dir, n.Name, bgpd)
		if n.Config != "" {
			// bgpd reads the whole file and logs each line it refuses
			// (exit status 0 all the same); --log stdout sends them here
			// even when the file sets a log file. The shell prints the
			// PID first (exec keeps it), which names the directory bgpd
			// leaves under /var/tmp/frr.
			d.Check = fmt.Sprintf("echo $$; exec %s/bgpd -C -f %s/bgpd.conf --log stdout", FRRDir, dir)
		}
		return d
	case topologies.KindBIRD:
		conf := n.Config
		if conf == "" {
			conf = birdConfig(n, dir)
		}
		return &Daemon{
			Dir:   dir,
			Files: map[string]string{"bird.conf": conf},
			Start: []string{fmt.Sprintf("%s -c %s/bird.conf -s %s/bird.ctl -P %s/bird.pid", BIRDBin, dir, dir, dir)},
		}
	}
	return nil
}

// FRRDaemon is FRR (zebra, bfdd with the lab's BFD profile, bgpd with
// the configuration bgpd) keeping its files, sockets and logs in dir under
// the host name name, run as FRR's user; bfdd's control socket is in dir's
// private subdirectory (BFDControlSocket).
func FRRDaemon(dir, name, bgpd string) *Daemon {
	common := fmt.Sprintf("-z %s/zserv.api --vty_socket %s -P 0", dir, dir)
	return &Daemon{
		Dir: dir,
		Files: map[string]string{
			"zebra.conf": fmt.Sprintf("hostname %s\nlog file %s/zebra.log\n", name, dir),
			"bfdd.conf":  frrBFDConfig(name, dir),
			"bgpd.conf":  bgpd,
		},
		Start: []string{
			fmt.Sprintf("%s/zebra -d -f %s/zebra.conf -i %s/zebra.pid %s", FRRDir, dir, dir, common),
			// bfdd's control socket defaults to one path per host; each
			// node gets its own, where only FRR reaches it.
			fmt.Sprintf("%s/bfdd -d -f %s/bfdd.conf -i %s/bfdd.pid --bfdctl %s %s", FRRDir, dir, dir, filepath.Join(dir, frrPrivateDir, "bfdd.sock"), common),
			fmt.Sprintf("%s/bgpd -d -f %s/bgpd.conf -i %s/bgpd.pid %s", FRRDir, dir, dir, common),
		},
		Owner:   "frr",
		Private: []string{frrPrivateDir},
	}
}

// BFD on routing daemons' BGP sessions: single-hop BFD (RFC 5880, 5881)
// with 100 ms intervals and a detect multiplier of 3, so that a dead
// neighbour (a killed gateway) takes its routes with it within about
// 300 ms instead of the 3 s hold time. Both daemons bring BGP up whether or
// not the neighbour answers BFD, and tear it down only when a BFD session
// that was Up goes Down, so a neighbour without BFD loses nothing.
//
// FRR 8.4's bgpd registers a neighbour's BFD session without an interface
// and registers it again with one once the TCP session comes up; bfdd
// replaces the session, which bgpd takes for BFD going down if it was
// already Up. So when a neighbour's BFD comes Up before its first BGP
// session (BIRD's does), that session is reset once right after it comes
// up (Cease, "BFD Down") and comes back a few seconds later. Our gateways
// avoid it by starting BFD a second after BGP is established, and stopping
// it whenever BGP goes down (dataplane/gateway/bfd.go).
const (
	bfdIntervalMS = 100
	bfdMultiplier = 3
	// frrBFDProfile is the name of the FRR bfdd profile the sessions use.
	frrBFDProfile = "mcnlab"
)

// frrBFDConfig writes bfdd's configuration: one profile with the lab's BFD
// timers, which bgpd's neighbours name.
func frrBFDConfig(name, dir string) string {
	return fmt.Sprintf("hostname %s\nlog file %s/bfdd.log\n!\nbfd\n profile %s\n  detect-multiplier %d\n  receive-interval %d\n  transmit-interval %d\n exit\n !\nexit\n!\n",
		name, dir, frrBFDProfile, bfdMultiplier, bfdIntervalMS, bfdIntervalMS)
}

// frrBGPConfig writes bgpd's configuration: eBGP without the RFC 8212
// policy requirement (a lab peers freely), networks announced whether or
// not they are in the RIB, short timers (1 s keepalive, 3 s hold) so that
// failover is measured in seconds, BFD on every neighbour, and ECMP over up
// to 16 paths.
func frrBGPConfig(n *PlanNode, dir string) string {
	b := n.BGP
	var s strings.Builder
	fmt.Fprintf(&s, "hostname %s\nlog file %s/bgpd.log\n!\nrouter bgp %d\n bgp router-id %s\n", n.Name, dir, b.ASN, b.RouterID)
	s.WriteString(" no bgp ebgp-requires-policy\n no bgp network import-check\n bgp bestpath as-path multipath-relax\n")
	for _, nb := range b.Neighbors {
		fmt.Fprintf(&s, " neighbor %s remote-as %d\n neighbor %s timers 1 3\n neighbor %s timers connect 1\n", nb.Address, nb.ASN, nb.Address, nb.Address)
		fmt.Fprintf(&s, " neighbor %s bfd\n neighbor %s bfd profile %s\n", nb.Address, nb.Address, frrBFDProfile)
	}
	s.WriteString(" address-family ipv4 unicast\n")
	for _, p := range b.Networks {
		if p.Addr().Is4() {
			fmt.Fprintf(&s, "  network %s\n", p)
		}
	}
	filters := frrExportFilters(&s, b.Neighbors)
	s.WriteString("  maximum-paths 16\n  maximum-paths ibgp 16\n exit-address-family\n!\n")
	s.WriteString(filters)
	return s.String()
}

// frrExportFilters writes, into bgpd's address family, the filters of
// neighbours with an Export list (a cloud's edge router): each is sent its
// list only (prefix-list mcn-edge-N) and what it sends is marked
// no-export (route-map mcn-edge-in, RFC 1997), so that no other eBGP
// neighbour gets it; every other neighbour is refused the exported
// prefixes (prefix-list mcn-not-edge). It returns the lists and the map,
// which follow the router block.
func frrExportFilters(s *strings.Builder, nbs []topologies.Neighbor) string {
	var lists strings.Builder
	var exported []netip.Prefix
	for i, nb := range nbs {
		if len(nb.Export) == 0 {
			continue
		}
		for j, p := range nb.Export {
			fmt.Fprintf(&lists, "ip prefix-list mcn-edge-%d seq %d permit %s\n", i, 5*(j+1), p)
		}
		exported = append(exported, nb.Export...)
		fmt.Fprintf(s, "  neighbor %s prefix-list mcn-edge-%d out\n  neighbor %s route-map mcn-edge-in in\n", nb.Address, i, nb.Address)
	}
	if len(exported) == 0 {
		return ""
	}
	for _, nb := range nbs {
		if len(nb.Export) == 0 {
			fmt.Fprintf(s, "  neighbor %s prefix-list mcn-not-edge out\n", nb.Address)
		}
	}
	for j, p := range exported {
		fmt.Fprintf(&lists, "ip prefix-list mcn-not-edge seq %d deny %s\n", 5*(j+1), p)
	}
	fmt.Fprintf(&lists, "ip prefix-list mcn-not-edge seq %d permit 0.0.0.0/0 le 32\n!\nroute-map mcn-edge-in permit 10\n set community no-export\nexit\n!\n", 5*(len(exported)+1))
	return lists.String()
}

// birdConfig writes bird.conf: the networks as static routes announced over
// BGP (never installed in the kernel), BGP routes exported to the kernel
// with ECMP, the same short timers as FRR's, BFD on every session, and a
// short wait after a session error.
func birdConfig(n *PlanNode, dir string) string {
	b := n.BGP
	var s strings.Builder
	fmt.Fprintf(&s, "router id %s;\nlog \"%s/bird.log\" all;\n\nprotocol device {}\n\n", b.RouterID, dir)
	s.WriteString("protocol kernel {\n  merge paths on;\n  ipv4 { import none; export where source = RTS_BGP; };\n}\n\n")
	s.WriteString("protocol static announced {\n  ipv4;\n")
	for _, p := range b.Networks {
		if p.Addr().Is4() {
			fmt.Fprintf(&s, "  route %s blackhole;\n", p)
		}
	}
	s.WriteString("}\n")
	fmt.Fprintf(&s, "\nprotocol bfd {\n  interface \"*\" {\n    min rx interval %d ms;\n    min tx interval %d ms;\n    idle tx interval 1000 ms;\n    multiplier %d;\n  };\n}\n",
		bfdIntervalMS, bfdIntervalMS, bfdMultiplier)
	for i, nb := range b.Neighbors {
		fmt.Fprintf(&s, "\nprotocol bgp peer%d {\n  local as %d;\n  neighbor %s as %d;\n", i+1, b.ASN, nb.Address, nb.ASN)
		// BIRD waits 60 s by default after an error (a session torn down
		// by BFD is one) before it tries again; a lab retries at once.
		s.WriteString("  hold time 3;\n  keepalive time 1;\n  connect retry time 1;\n  error wait time 1, 5;\n  bfd on;\n")
		s.WriteString("  ipv4 { import all; export where proto = \"announced\" || source = RTS_BGP; };\n}\n")
	}
	return s.String()
}

// ErrDaemonMissing says that a routing daemon's program is not installed.
var ErrDaemonMissing = errors.New("routing daemon not installed")

// startDaemon writes the daemon's files and starts it inside the node.
func (f *fabric) startDaemon(ctx context.Context, n *PlanNode) error {
	d := DaemonFor(f.plan.Lab, n)
	prog := strings.Fields(d.Start[0])[0]
	if _, err := os.Stat(prog); err != nil {
		return fmt.Errorf("node %s (%s): %s: %w; install Debian's %s package", n.Name, n.Kind, prog, ErrDaemonMissing, map[topologies.NodeKind]string{topologies.KindFRR: "frr", topologies.KindStrongSwan: "frr", topologies.KindBIRD: "bird2"}[n.Kind])
	}
	if err := d.Write(); err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	ln := f.nodes[n.Name]
	if d.Check != "" {
		if err := f.checkConfig(ctx, n, d.Check); err != nil {
			return err
		}
	}
	if err := d.Run(ctx, ln.ns, f.execTimeout); err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	return nil
}

// Write makes the daemon's directory (and its private subdirectories)
// and writes its files there, owned by its user.
func (d *Daemon) Write() error {
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return err
	}
	for _, p := range d.Private {
		// Mkdir's mode passes through the umask, which may only narrow it;
		// Chmod makes it exactly 0700.
		p = filepath.Join(d.Dir, p)
		if err := os.Mkdir(p, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if err := os.Chmod(p, 0o700); err != nil {
			return err
		}
	}
	for name, content := range d.Files {
		if err := os.WriteFile(filepath.Join(d.Dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	if d.Owner != "" {
		if err := chownTree(d.Dir, d.Owner); err != nil {
			return err
		}
	}
	return nil
}

// Run runs the daemon's start commands in the namespace ns, each within
// timeout; each daemonizes itself.
func (d *Daemon) Run(ctx context.Context, ns vnetns.NsHandle, timeout time.Duration) error {
	for _, c := range d.Start {
		if out, err := RunTimeout(ctx, ns, c, timeout); err != nil {
			return fmt.Errorf("start %s: %w; output:\n%s", strings.Fields(c)[0], err, out)
		}
	}
	return nil
}

// frrRefusedRE finds FRR's message for a configuration line it refused,
// such as "No such command on config line 4: this is junk" (lib/vty.c,
// vty_read_file: also "Ambiguous command", "Command returned Incomplete",
// "Command returned Warning", ...), after its time stamp and log tags.
var frrRefusedRE = regexp.MustCompile(`([A-Z][^\]]*? on config line [0-9]+:.*)$`)

// checkConfig runs a daemon's configuration check in node n and fails with
// the lines of the configuration that FRR refused, in its own words.
func (f *fabric) checkConfig(ctx context.Context, n *PlanNode, check string) error {
	out, err := RunTimeout(ctx, f.nodes[n.Name].ns, check, f.execTimeout)
	first, rest, _ := strings.Cut(string(out), "\n")
	if pid, perr := strconv.Atoi(strings.TrimSpace(first)); perr == nil && pid > 0 {
		// The directory is named after the PID, so it is this run's.
		_ = os.RemoveAll(fmt.Sprintf("/var/tmp/frr/bgpd.%d", pid))
	}
	if err != nil {
		return fmt.Errorf("node %s: check config with FRR's bgpd -C: %w; output:\n%s", n.Name, err, rest)
	}
	var refused []string
	for _, line := range strings.Split(rest, "\n") {
		if m := frrRefusedRE.FindStringSubmatch(strings.TrimSpace(line)); m != nil && !slices.Contains(refused, m[1]) {
			refused = append(refused, m[1])
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("node %s: FRR's bgpd refuses its config (nodes.%s.config):\n  %s", n.Name, n.Name, strings.Join(refused, "\n  "))
	}
	return nil
}

func chownTree(dir, owner string) error {
	u, err := user.Lookup(owner)
	if err != nil {
		return fmt.Errorf("look up user %s: %w", owner, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
}
