package egressmgmt

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/egress"
	"github.com/mcnlab/mcnlab/dataplane/sockapi"
)

// Filter is what the server drives; *egress.Filter implements it.
type Filter interface {
	SetPolicy(egress.Policy) error
	Learn(name string, addrs []netip.Addr) error
	Log() []egress.Entry
}

// Counts counts decisions; its Record is the filter's OnDecision.
type Counts struct {
	allowed, denied atomic.Uint64
}

// Record counts one decision; it does not block.
func (c *Counts) Record(e egress.Entry) {
	if e.Verdict == egress.Allow {
		c.allowed.Add(1)
	} else {
		c.denied.Add(1)
	}
}

// Backend serves one filter under a name and keeps the policy in place
// in wire form and the addresses its names resolved to. Safe for
// concurrent use.
type Backend struct {
	name, boot string
	f          Filter
	counts     *Counts
	kick       chan struct{}
	dnsPort    uint16 // 53; tests change it

	mu      sync.Mutex // guards the fields below and serializes SetPolicy
	cfg     Config
	learned map[string][]netip.Addr
}

// BootConfig is the policy an egress gateway starts with, until the
// controller pushes one: an allow-list with one tag of no rules for every
// client, so that nothing leaves unfiltered.
func BootConfig() Config {
	return Config{Base: "allow-list", Tags: []Tag{{Name: "unconfigured", Rules: []Rule{}}}}
}

// NewBackend serves f, which holds the policy boot (BootConfig, or an
// empty allow-list when zero); counts is what the filter's OnDecision
// records into.
func NewBackend(name string, f Filter, counts *Counts, boot Config) *Backend {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	if counts == nil {
		counts = &Counts{}
	}
	if boot.Base == "" {
		boot.Base = "allow-list"
	}
	if boot.Tags == nil {
		boot.Tags = []Tag{}
	}
	return &Backend{name: name, boot: hex.EncodeToString(b), f: f, counts: counts, kick: make(chan struct{}, 1), dnsPort: 53,
		cfg: boot, learned: map[string][]netip.Addr{}}
}

// Apply makes cfg the policy; an error wrapping ErrInvalid changed
// nothing. The new policy's names are resolved at once.
func (b *Backend) Apply(cfg Config) (Config, error) {
	p, err := cfg.Policy()
	if err != nil {
		return Config{}, err
	}
	if cfg.Tags == nil {
		cfg.Tags = []Tag{}
	}
	if cfg.Base == "" {
		cfg.Base = "allow-list"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.f.SetPolicy(p); err != nil {
		return Config{}, err
	}
	b.cfg = cfg
	select {
	case b.kick <- struct{}{}:
	default:
	}
	return cfg, nil
}

// Config is the policy in place.
func (b *Backend) Config() Config {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cfg
}

// Status is the gateway's state.
func (b *Backend) Status() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := Status{Name: b.name, Boot: b.boot, Base: b.cfg.Base, Allowed: b.counts.allowed.Load(), Denied: b.counts.denied.Load(),
		Learned: map[string][]netip.Addr{}}
	for n, a := range b.learned {
		st.Learned[n] = slices.Clone(a)
	}
	return st
}

// Log is the filter's log in wire form, oldest first.
func (b *Backend) Log() []Entry {
	es := b.f.Log()
	out := make([]Entry, len(es))
	for i, e := range es {
		out[i] = EntryOf(e)
	}
	return out
}

// exactNames are the rule names of cfg that name one host (no
// wildcard), sorted, each once: the names a resolver can answer.
func exactNames(cfg Config) []string {
	var out []string
	for _, t := range cfg.Tags {
		for _, r := range t.Rules {
			if !strings.HasPrefix(r.FQDN, "*") {
				out = append(out, r.FQDN)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Resolve resolves the exact rule names of the policy in place through
// its resolver every interval (and at once after each Apply) until ctx is
// done, and teaches the filter what each resolved to. A name that does
// not resolve keeps what it resolved to last, as a cached answer would.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/security/fqdn-egress-filtering.html — for protocols other than HTTP and HTTPS, the gateway resolves the FQDN and filters on the resulting addresses
func (b *Backend) Resolve(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		b.resolveOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-b.kick:
		}
	}
}

func (b *Backend) resolveOnce(ctx context.Context) {
	cfg := b.Config()
	if !cfg.Resolver.IsValid() {
		return
	}
	server := netip.AddrPortFrom(cfg.Resolver, b.dnsPort).String()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
	for _, name := range exactNames(cfg) {
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ips, err := r.LookupNetIP(qctx, "ip", name)
		cancel()
		if err != nil || len(ips) == 0 {
			continue
		}
		for i := range ips {
			ips[i] = ips[i].Unmap()
		}
		slices.SortFunc(ips, netip.Addr.Compare)
		b.mu.Lock()
		same := slices.Equal(b.learned[name], ips)
		b.mu.Unlock()
		if same {
			continue
		}
		if err := b.f.Learn(name, ips); err == nil {
			b.mu.Lock()
			b.learned[name] = ips
			b.mu.Unlock()
		}
	}
}

// Handler is the API over b.
func Handler(b *Backend) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/healthz", func(w http.ResponseWriter, _ *http.Request) {
		sockapi.WriteJSON(w, http.StatusOK, Health{Status: "ok", Name: b.name})
	})
	mux.HandleFunc("GET /v1/config", func(w http.ResponseWriter, _ *http.Request) { sockapi.WriteJSON(w, http.StatusOK, b.Config()) })
	mux.HandleFunc("PUT /v1/config", func(w http.ResponseWriter, r *http.Request) {
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		var cfg Config
		if err := dec.Decode(&cfg); err != nil {
			sockapi.WriteJSON(w, http.StatusBadRequest, Error{Error: "decode config: " + err.Error()})
			return
		}
		got, err := b.Apply(cfg)
		switch {
		case errors.Is(err, ErrInvalid):
			sockapi.WriteError(w, http.StatusBadRequest, err)
		case err != nil:
			sockapi.WriteError(w, http.StatusInternalServerError, err)
		default:
			sockapi.WriteJSON(w, http.StatusOK, got)
		}
	})
	mux.HandleFunc("GET /v1/log", func(w http.ResponseWriter, _ *http.Request) { sockapi.WriteJSON(w, http.StatusOK, b.Log()) })
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, _ *http.Request) { sockapi.WriteJSON(w, http.StatusOK, b.Status()) })
	return mux
}

// Server serves the API on a unix socket.
type Server = sockapi.Server

// Listen creates the unix socket at path (mode 0600), replacing a stale
// socket file, and serves b on it until Close.
func Listen(path string, b *Backend, logger *slog.Logger) (*Server, error) {
	return sockapi.Listen(path, "egress API", Handler(b), logger)
}
