package uservpn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sync"
	"syscall"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// Options are a gateway's surroundings.
type Options struct {
	// Dir holds the server's files (0700): configuration, keys, the
	// management socket, openvpn.log.
	Dir string
	// NetNS, if set, runs openvpn in that named namespace (`ip netns
	// exec`); otherwise in the caller's.
	NetNS string
	// Nft is the nftables connection of the gateway's namespace.
	Nft policy.Conn
	// OpenVPN is the binary ("openvpn" from PATH when empty).
	OpenVPN string
	Logger  *slog.Logger
}

// Gateway runs OpenVPN with one configuration at a time and keeps its
// sessions' rules in nftables. Its methods are safe for concurrent use;
// Close stops OpenVPN and removes the table.
type Gateway struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex // guards the fields below
	cfg      *Config
	proc     *exec.Cmd
	exited   chan struct{}
	mc       *mgmtConn
	sessions map[uint64]*Session // by OpenVPN's client ID
	events   []SessionEvent
	seq      uint64
	wg       sync.WaitGroup
}

// SessionEvent is a user's connection or disconnection.
type SessionEvent struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"` // connect, disconnect or deny
	User    string    `json:"user"`
	Profile string    `json:"profile,omitempty"`
	Address string    `json:"address,omitempty"`
	Remote  string    `json:"remote,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

// maxEvents bounds the events kept.
const maxEvents = 1000

// New returns a gateway that runs nothing until Apply.
func New(opts Options) *Gateway {
	if opts.OpenVPN == "" {
		opts.OpenVPN = "openvpn"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Gateway{opts: opts, log: opts.Logger, sessions: map[uint64]*Session{}}
}

// Config returns the configuration in force, if any.
func (g *Gateway) Config() (Config, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cfg == nil {
		return Config{}, false
	}
	return *g.cfg, true
}

// Apply runs OpenVPN with cfg: unchanged, nothing happens; otherwise the
// running server (and every session) ends first. It returns once the
// management socket answers and the (empty) ruleset is in place.
func (g *Gateway) Apply(ctx context.Context, cfg Config) error {
	conf, err := ServerConf(cfg, g.opts.Dir)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cfg != nil && reflect.DeepEqual(*g.cfg, cfg) && g.proc != nil {
		return nil
	}
	g.stopLocked()
	if err := os.MkdirAll(g.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("vpn gateway %s: %w", cfg.Name, err)
	}
	for name, data := range map[string]string{serverConfFile: conf, caFile: cfg.CA, certFile: cfg.Cert, keyFile: cfg.Key} {
		if err := os.WriteFile(filepath.Join(g.opts.Dir, name), []byte(data), 0o600); err != nil {
			return fmt.Errorf("vpn gateway %s: %w", cfg.Name, err)
		}
	}
	g.cfg = &cfg
	if err := policy.Apply(g.opts.Nft, Table(cfg, nil)); err != nil {
		return fmt.Errorf("vpn gateway %s: %w", cfg.Name, err)
	}
	return g.startLocked(ctx)
}

// startLocked starts openvpn and connects to its management socket.
func (g *Gateway) startLocked(ctx context.Context) error {
	sock := filepath.Join(g.opts.Dir, mgmtSocket)
	_ = os.Remove(sock)
	args := []string{"--config", filepath.Join(g.opts.Dir, serverConfFile)}
	name := g.opts.OpenVPN
	if g.opts.NetNS != "" {
		args = append([]string{"netns", "exec", g.opts.NetNS, name}, args...)
		name = "ip"
	}
	logf, err := os.OpenFile(filepath.Join(g.opts.Dir, "openvpn.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("vpn gateway: %w", err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("vpn gateway: start openvpn: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(exited) }()
	g.proc, g.exited = cmd, exited
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	mc, err := dialMgmt(dctx, sock, exited)
	if err != nil {
		g.stopLocked()
		return fmt.Errorf("vpn gateway: %w (see %s)", err, filepath.Join(g.opts.Dir, "openvpn.log"))
	}
	g.mc = mc
	g.wg.Add(1)
	go g.handle(mc)
	g.log.Info("openvpn running", "pid", cmd.Process.Pid, "tunnel", g.cfg.Tunnel, "pool", g.cfg.Pool)
	return nil
}

// stopLocked ends openvpn and forgets its sessions.
func (g *Gateway) stopLocked() {
	if g.proc != nil {
		_ = g.proc.Process.Signal(syscall.SIGTERM)
		select {
		case <-g.exited:
		case <-time.After(5 * time.Second):
			_ = g.proc.Process.Kill()
			<-g.exited
		}
		g.proc = nil
	}
	if g.mc != nil {
		g.mc.Close()
		g.mc = nil
	}
	for cid, s := range g.sessions {
		g.eventLocked(SessionEvent{Kind: "disconnect", User: s.User, Profile: s.Profile, Address: s.Address.String(), Reason: "server stopped"})
		delete(g.sessions, cid)
	}
}

// Close stops openvpn and removes the table. It is idempotent.
func (g *Gateway) Close() error {
	g.mu.Lock()
	g.stopLocked()
	had := g.cfg != nil
	g.cfg = nil
	g.mu.Unlock()
	g.wg.Wait()
	if had {
		return policy.Delete(g.opts.Nft, policy.Table{Family: policy.FamilyIPv4, Name: TableName})
	}
	return nil
}

// Sessions lists the connected users.
func (g *Gateway) Sessions() []Session {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := []Session{}
	for _, s := range g.sessions {
		out = append(out, *s)
	}
	return out
}

// Events returns the events after seq, oldest first.
func (g *Gateway) Events(after uint64) []SessionEvent {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := []SessionEvent{}
	for _, e := range g.events {
		if e.Seq > after {
			out = append(out, e)
		}
	}
	return out
}

// ErrNoSession is a Disconnect of a user who is not connected.
var ErrNoSession = errors.New("no such session")

// Disconnect ends user's session (OpenVPN tells the client to halt,
// not to reconnect) and returns once its rules are gone.
func (g *Gateway) Disconnect(ctx context.Context, user string) error {
	g.mu.Lock()
	var cid uint64
	found := false
	for id, s := range g.sessions {
		if s.User == user {
			cid, found = id, true
		}
	}
	mc := g.mc
	g.mu.Unlock()
	if !found || mc == nil {
		return fmt.Errorf("disconnect %s: %w", user, ErrNoSession)
	}
	if _, err := mc.Command(fmt.Sprintf("client-kill %d HALT", cid)); err != nil {
		return fmt.Errorf("disconnect %s: %w", user, err)
	}
	for {
		g.mu.Lock()
		_, still := g.sessions[cid]
		g.mu.Unlock()
		if !still {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("disconnect %s: %w", user, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// eventLocked records e.
func (g *Gateway) eventLocked(e SessionEvent) {
	g.seq++
	e.Seq, e.Time = g.seq, time.Now()
	g.events = append(g.events, e)
	if len(g.events) > maxEvents {
		g.events = g.events[len(g.events)-maxEvents:]
	}
	g.log.Info("vpn "+e.Kind, "user", e.User, "profile", e.Profile, "address", e.Address, "remote", e.Remote, "reason", e.Reason)
}

// freeAddrLocked is the lowest pool address after the server's that no
// session holds.
func (g *Gateway) freeAddrLocked() (netip.Addr, bool) {
	used := map[netip.Addr]bool{}
	for _, s := range g.sessions {
		used[s.Address] = true
	}
	p := g.cfg.Pool
	for a := p.Addr().Next().Next(); p.Contains(a) && p.Contains(a.Next()); a = a.Next() {
		if !used[a] {
			return a, true
		}
	}
	return netip.Addr{}, false
}
