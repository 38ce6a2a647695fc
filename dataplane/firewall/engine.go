package firewall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// Conntrack reads a namespace's conntrack table; *netlink.Handle
// implements it.
type Conntrack interface {
	ConntrackTableList(netlink.ConntrackTableType, netlink.InetFamily) ([]*netlink.ConntrackFlow, error)
}

// Proxy is the L7 engine's transparent proxy; *l7proxy.Squid implements
// it.
type Proxy interface {
	// Apply runs the proxy with p (restarting it on a change) and
	// returns once it listens.
	Apply(context.Context, l7proxy.Policy) error
	// Stop stops it; idempotent.
	Stop() error
	// Decisions are its decisions so far, oldest first.
	Decisions() ([]l7proxy.Decision, error)
	Close() error
}

// Intercept is the policy routing that delivers marked packets locally
// (InterceptMark, InterceptTable); Up and Down are idempotent.
type Intercept interface {
	Up() error
	Down() error
}

// Option configures an engine.
type Option func(*Engine)

// WithL7 gives the engine the L7 proxy and policy routing that a Config
// with L7 rules needs; the engine closes proxy.
func WithL7(proxy Proxy, routes Intercept) Option {
	return func(e *Engine) { e.proxy, e.routes = proxy, routes }
}

// WithEgress gives the engine the router that a Config with Egress
// needs.
func WithEgress(router Router) Option {
	return func(e *Engine) { e.router = router }
}

// Engine is a running firewall: its table in one namespace.
type Engine struct {
	nft    policy.Conn
	ct     Conntrack
	router Router    // nil: egress is refused
	proxy  Proxy     // nil: no L7 engine
	routes Intercept // with proxy

	mu      sync.Mutex // guards the fields below
	table   policy.Table
	l7      bool // the L7 proxy and routes are up
	egress  bool // the router holds an egress's routing
	closed  bool
	release func() // what StartIn opened; nil otherwise
}

// Start applies cfg's table through nft and returns the engine; ct reads
// the same namespace's conntrack table. Close removes the table.
func Start(nft policy.Conn, ct Conntrack, cfg Config, opts ...Option) (*Engine, error) {
	e := &Engine{nft: nft, ct: ct}
	for _, o := range opts {
		o(e)
	}
	if err := e.Apply(cfg); err != nil {
		if e.proxy != nil {
			e.proxy.Close()
		}
		return nil, err
	}
	return e, nil
}

// StartIn starts an engine in the network namespace open as nsFd (the
// firewall's): it turns forwarding and conntrack accounting on there and
// ICMP redirects off (a one-armed firewall sends its packets back out the
// link they came in on, and must not tell the gateway to bypass it). With
// l7Dir set it can run the L7 engine: squid (l7proxy.Squid) in the
// namespace with its files in l7Dir, logging to slog's default logger.
// The caller may close nsFd once StartIn returns.
func StartIn(nsFd int, cfg Config, l7Dir string) (*Engine, error) {
	fd, err := unix.FcntlInt(uintptr(nsFd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("firewall: duplicate namespace fd: %w", err)
	}
	if err := setSysctls(vnetns.NsHandle(fd)); err != nil {
		unix.Close(fd)
		return nil, err
	}
	nft, err := nftables.New(nftables.WithNetNSFd(fd))
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("firewall: nftables in namespace: %w", err)
	}
	nl, err := netlink.NewHandleAt(vnetns.NsHandle(fd))
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("firewall: netlink in namespace: %w", err)
	}
	var opts []Option
	if l7Dir != "" {
		sq, err := l7proxy.New(fd, l7Dir, slog.Default())
		if err != nil {
			nl.Close()
			unix.Close(fd)
			return nil, err
		}
		opts = append(opts, WithL7(sq, kernelIntercept{nl: nl}))
	}
	opts = append(opts, WithEgress(kernelRouter{nl: nl, ns: vnetns.NsHandle(fd)}))
	e, err := Start(nft, nl, cfg, opts...)
	if err != nil {
		nl.Close()
		unix.Close(fd)
		return nil, err
	}
	e.release = func() { nl.Close(); unix.Close(fd) }
	return e, nil
}

// sysctls are what a firewall's namespace needs.
var sysctls = map[string]string{
	"net/ipv4/ip_forward":                  "1",
	"net/ipv6/conf/all/forwarding":         "1",
	"net/ipv4/conf/all/send_redirects":     "0",
	"net/ipv4/conf/default/send_redirects": "0",
	"net/netfilter/nf_conntrack_acct":      "1",
}

func setSysctls(ns vnetns.NsHandle) error {
	return netns.DoHandle(ns, func() error {
		for k, v := range sysctls {
			if err := os.WriteFile("/proc/sys/"+k, []byte(v), 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("firewall: sysctl %s: %w", k, err)
			}
		}
		// An interface sends redirects if "all" or its own setting says
		// so: turn off those of the links there already.
		links, _ := filepath.Glob("/proc/sys/net/ipv4/conf/*/send_redirects")
		for _, p := range links {
			if err := os.WriteFile(p, []byte("0"), 0o644); err != nil {
				return fmt.Errorf("firewall: %s: %w", p, err)
			}
		}
		return nil
	})
}

// Apply replaces the policy with cfg's in one transaction; the counters
// of rules that keep their names keep their values.
func (e *Engine) Apply(cfg Config) error {
	cfg, err := e.resolveGateways(cfg)
	if err != nil {
		return err
	}
	t, err := cfg.Table()
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("firewall: engine closed")
	}
	if cfg.Egress != nil && e.router == nil {
		return errors.New("firewall: egress needs a router; this engine has none")
	}
	if cfg.L7 != nil {
		// The proxy listens and its packets route locally before the
		// table diverts anything to it.
		if e.proxy == nil {
			return errors.New("firewall: L7 rules, but this engine runs no L7 proxy")
		}
		e.l7 = true // from here on a plain policy takes the routes down again
		if err := e.routes.Up(); err != nil {
			return fmt.Errorf("firewall: %w", err)
		}
		if err := e.proxy.Apply(context.Background(), *cfg.L7); err != nil {
			return fmt.Errorf("firewall: %w", err)
		}
	}
	// The routes first: the source NAT never sends a packet out of an
	// egress interface that the routing does not use yet.
	if cfg.Egress != nil {
		if err := e.router.Set(*cfg.Egress); err != nil {
			return err
		}
		e.egress = true
	}
	if err := policy.Apply(e.nft, t); err != nil {
		return fmt.Errorf("firewall: %w", err)
	}
	e.table = t
	if cfg.Egress == nil && e.egress {
		if err := e.router.Clear(); err != nil {
			return err
		}
		e.egress = false
	}
	if cfg.L7 == nil && e.l7 {
		e.l7 = false
		return e.stopL7Locked()
	}
	return nil
}

// stopL7Locked stops the proxy and removes its routes.
func (e *Engine) stopL7Locked() error {
	return errors.Join(e.proxy.Stop(), e.routes.Down())
}

// StopProxy stops the L7 proxy (by its PID) and leaves the table and
// routes: what a daemon that exits does, whose table outlives it.
// Idempotent.
func (e *Engine) StopProxy() error {
	if e.proxy == nil {
		return nil
	}
	return e.proxy.Stop()
}

// Decisions are the L7 proxy's decisions so far (none without L7 rules).
func (e *Engine) Decisions() ([]l7proxy.Decision, error) {
	if e.proxy == nil {
		return nil, nil
	}
	return e.proxy.Decisions()
}

// Counts are the table's counters: per rule by name, and the established,
// invalid and default ones.
type Counts struct {
	Rules                         map[string]policy.Count
	Established, Invalid, Default policy.Count
	// L7HTTP and L7TLS count the packets diverted to the L7 proxy.
	L7HTTP, L7TLS policy.Count
	// EgressOut and EgressIn count what left and arrived on the egress
	// interface (zero without egress).
	EgressOut, EgressIn policy.Count
}

// Counters reads the counters.
func (e *Engine) Counters() (Counts, error) {
	e.mu.Lock()
	t := e.table
	e.mu.Unlock()
	all, err := policy.Counters(e.nft, t)
	if err != nil {
		return Counts{}, fmt.Errorf("firewall: %w", err)
	}
	c := Counts{Rules: map[string]policy.Count{}, Established: all[CounterEstablished], Invalid: all[CounterInvalid], Default: all[CounterDefault],
		L7HTTP: all[CounterL7HTTP], L7TLS: all[CounterL7TLS], EgressOut: all[CounterEgressOut], EgressIn: all[CounterEgressIn]}
	for name, v := range all {
		if r, ok := cutRule(name); ok {
			c.Rules[r] = v
		}
	}
	return c, nil
}

func cutRule(counter string) (string, bool) {
	const p = "rule-"
	if len(counter) > len(p) && counter[:len(p)] == p {
		return counter[len(p):], true
	}
	return "", false
}

// Flow is one connection of the conntrack table: its original direction
// (Src to Dst, as the first packet went) and its reply direction, each
// with its packets and bytes (counted while accounting is on).
type Flow struct {
	Proto                    uint8
	Src, Dst                 netip.AddrPort
	ReplySrc, ReplyDst       netip.AddrPort
	Packets, Bytes           uint64
	ReplyPackets, ReplyBytes uint64
	Mark                     uint32
}

// Flows reads the namespace's conntrack table (IPv4 and IPv6), sorted by
// source then destination.
func (e *Engine) Flows() ([]Flow, error) {
	var out []Flow
	for _, fam := range []netlink.InetFamily{unix.AF_INET, unix.AF_INET6} {
		flows, err := e.ct.ConntrackTableList(netlink.ConntrackTable, fam)
		if err != nil {
			return nil, fmt.Errorf("firewall: read conntrack table: %w", err)
		}
		for _, f := range flows {
			out = append(out, Flow{
				Proto: f.Forward.Protocol,
				Src:   addrPort(f.Forward.SrcIP, f.Forward.SrcPort), Dst: addrPort(f.Forward.DstIP, f.Forward.DstPort),
				ReplySrc: addrPort(f.Reverse.SrcIP, f.Reverse.SrcPort), ReplyDst: addrPort(f.Reverse.DstIP, f.Reverse.DstPort),
				Packets: f.Forward.Packets, Bytes: f.Forward.Bytes, ReplyPackets: f.Reverse.Packets, ReplyBytes: f.Reverse.Bytes,
				Mark: f.Mark,
			})
		}
	}
	slices.SortFunc(out, func(a, b Flow) int {
		if c := a.Src.Compare(b.Src); c != 0 {
			return c
		}
		return a.Dst.Compare(b.Dst)
	})
	return out, nil
}

func addrPort(ip net.IP, port uint16) netip.AddrPort {
	a, _ := netip.AddrFromSlice(ip)
	return netip.AddrPortFrom(a.Unmap(), port)
}

// Close removes the table and releases what StartIn opened; it is
// idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	err := policy.Delete(e.nft, e.table)
	if err != nil {
		err = fmt.Errorf("firewall: %w", err)
	}
	if e.proxy != nil {
		// The table no longer diverts: stop squid, then its routes.
		err = errors.Join(err, e.proxy.Close(), e.routes.Down())
	}
	if e.egress {
		err = errors.Join(err, e.router.Clear())
	}
	if e.release != nil {
		e.release()
	}
	return err
}
