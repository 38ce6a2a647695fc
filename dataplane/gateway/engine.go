package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/firenet"
)

// ErrInvalid marks a Config refused by Validate; nothing was changed.
var ErrInvalid = errors.New("invalid gateway configuration")

// ErrClosed is returned by calls on a closed Engine.
var ErrClosed = errors.New("gateway engine closed")

// resyncEvery is how often the FIB is re-synced without a BGP event, which
// retries routes that failed (a next hop whose tunnel was not up yet).
const resyncEvery = 2 * time.Second

// Options tune an Engine.
type Options struct {
	// Name, when set, is the gateway's name: a Config naming another
	// gateway is refused, so a controller cannot configure the wrong one.
	Name string
	// Logger receives the engine's log; nil discards it.
	Logger *slog.Logger
	// BGPPort is the TCP port the speaker listens on; 0 means 179.
	BGPPort int32
}

// Engine runs one gateway: tunnels, BGP speaker and FIB, in the calling
// process's network namespace. Its methods are safe for concurrent use;
// Apply calls are serialised.
type Engine struct {
	name    string
	log     *slog.Logger
	bgpPort int32
	sys     sys                        // every side effect goes through it (sys.go)
	nft     nftPolicy                  // the policy component (nft.go)
	speaker atomic.Pointer[speakerRef] // nil until the first Apply
	kick    chan struct{}              // capacity 1: "sync the FIB"
	curName atomic.Pointer[string]     // cur.Name, readable during an Apply
	cancel  context.CancelFunc         // stops the goroutines below
	wg      sync.WaitGroup             // FIB sync loop and Watch loops
	fibMu   sync.Mutex                 // serialises syncFIB

	lmu     sync.Mutex             // guards the two fields below
	probers map[netip.Addr]*prober // by the peer's inner address
	// restarted are peers (by inner address) whose prober saw them
	// restart and whose BGP session resetLoop has not reset yet: their
	// paths are stale.
	restarted map[netip.Addr]bool
	// bfd are the BFD sessions of plain neighbours, by the neighbour's
	// address, and bfdLocal their local addresses (bfd.go).
	bfd      map[netip.Addr]bfdSession
	bfdLocal map[netip.Addr]netip.Addr
	// bgpUp holds when each neighbour's BGP session was first seen
	// established (bfd.go); guarded by mu.
	bgpUp map[netip.Addr]time.Time
	// bfdTimer is set while a timer waits to start a BFD session.
	bfdTimer atomic.Bool
	reset    chan struct{} // capacity 1: "reset the restarted peers"
	boot     string        // this run's random ID (Boot)

	mu      sync.Mutex // guards the fields below; held for a whole Apply
	closed  bool
	applied bool // a speaker runs with cur's ASN and router ID
	cur     Config
	tunnels map[string]*tunnel // by peer name
	firenet *firenet.Steerer   // nil without a FireNet (firenet.go)
	flows   flowExporter       // nil without a flow export (flows.go)
}

// New starts an engine with nothing configured, on the kernel of the
// calling process's network namespace.
func New(opts Options) (*Engine, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts.Logger = logger
	s, err := kernelSys(logger)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	e, err := newEngine(opts, s)
	if err != nil {
		s.close()
		return nil, err
	}
	return e, nil
}

// newEngine starts an engine whose side effects go through s; opts.Logger
// is set.
func newEngine(opts Options, s sys) (*Engine, error) {
	nft := nftPolicy{conn: s.nft}
	if err := nft.start(); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var boot [8]byte
	rand.Read(boot[:]) // never fails (crypto/rand)
	e := &Engine{
		boot:      hex.EncodeToString(boot[:]),
		name:      opts.Name,
		log:       opts.Logger,
		bgpPort:   opts.BGPPort,
		sys:       s,
		nft:       nft,
		kick:      make(chan struct{}, 1),
		cancel:    cancel,
		tunnels:   make(map[string]*tunnel),
		probers:   make(map[netip.Addr]*prober),
		restarted: make(map[netip.Addr]bool),
		bfd:       make(map[netip.Addr]bfdSession),
		bfdLocal:  make(map[netip.Addr]netip.Addr),
		bgpUp:     make(map[netip.Addr]time.Time),
		reset:     make(chan struct{}, 1),
	}
	e.wg.Add(2)
	go e.syncLoop(ctx)
	go e.resetLoop(ctx)
	return e, nil
}

// Boot identifies this run of the engine: drawn at random when it starts,
// so a restarted gateway answers a new one.
func (e *Engine) Boot() string { return e.boot }

// Name returns the gateway's name: Options.Name, else the applied Config's.
// Unlike Config and Status, it does not wait for an Apply in progress.
func (e *Engine) Name() string {
	if e.name != "" {
		return e.name
	}
	if n := e.curName.Load(); n != nil {
		return *n
	}
	return ""
}

// Config returns the configuration in place: what the last Apply achieved,
// which is the desired one unless Apply failed part-way. It waits for an
// Apply in progress.
func (e *Engine) Config() Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	return cloneConfig(e.cur)
}

// Apply makes want the configuration in place, changing only the
// difference. An invalid want returns an error wrapping ErrInvalid and
// changes nothing. Otherwise each peer, neighbour and prefix is handled on
// its own: one that fails is left out (a failed peer is torn down whole),
// the others still apply, and the errors are returned joined; Config then
// shows what is in place, and applying again retries.
func (e *Engine) Apply(ctx context.Context, want Config) error {
	want = cloneConfig(want)
	if err := want.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if e.name != "" && want.Name != "" && want.Name != e.name {
		return fmt.Errorf("%w: config is for gateway %q, this is %q", ErrInvalid, want.Name, e.name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return fmt.Errorf("gateway apply: %w", ErrClosed)
	}
	var cur *Config
	if e.applied {
		cur = &e.cur
	}
	p := diff(cur, &want)
	e.log.Info("apply", "config", want.String(), "plan", fmt.Sprintf("%+v", p))
	defer e.kickFIB()
	if p.Restart {
		if err := e.restartLocked(ctx, want); err != nil {
			return fmt.Errorf("gateway apply: %w", err)
		}
	}
	a := &applying{ctx: ctx, want: want, plan: p, sp: e.speaker.Load(), log: e.log}
	e.cur.Name = want.Name
	e.curName.Store(&want.Name)

	// Removals first: a removed session withdraws its routes before its
	// tunnel goes.
	e.removePeersLocked(a)
	e.removeNeighborsLocked(a)
	e.withdrawLocked(a)
	// Changes to what is kept, then additions.
	e.changePeersLocked(a)
	e.changeNeighborsLocked(a)
	e.addPeersLocked(a)
	e.addNeighborsLocked(a)
	e.advertiseLocked(a)
	e.applyPolicyLocked(a)
	e.applyFireNetLocked(a)
	e.applyFlowExportLocked(a)
	sortConfig(&e.cur)
	e.syncBFDLocked(ctx)
	if len(a.errs) > 0 {
		return fmt.Errorf("gateway apply: %w", errors.Join(a.errs...))
	}
	return nil
}

// applying is one Apply under way: what it wants, its plan, the speaker it
// works on and the errors so far.
type applying struct {
	ctx  context.Context
	want Config
	plan plan
	sp   *speakerRef
	log  *slog.Logger
	errs []error
}

// fail records an error; Apply goes on with the rest.
func (a *applying) fail(err error) {
	a.log.Error("apply", "err", err)
	a.errs = append(a.errs, err)
}

// peer and neighbor return the wanted peer or neighbour of that name,
// which the plan names.
func (a *applying) peer(name string) Peer {
	return a.want.Peers[slices.IndexFunc(a.want.Peers, func(x Peer) bool { return x.Name == name })]
}

func (a *applying) neighbor(name string) Neighbor {
	return a.want.Neighbors[slices.IndexFunc(a.want.Neighbors, func(x Neighbor) bool { return x.Name == name })]
}

// withdrawLocked and advertiseLocked change the local prefixes.
func (e *Engine) withdrawLocked(a *applying) {
	for _, pfx := range a.plan.Withdraw {
		if err := a.sp.Withdraw(a.ctx, pfx); err != nil {
			a.fail(err)
			continue
		}
		e.cur.Prefixes = slices.DeleteFunc(e.cur.Prefixes, func(x netip.Prefix) bool { return x == pfx })
	}
}

func (e *Engine) advertiseLocked(a *applying) {
	for _, pfx := range a.plan.Advertise {
		if err := a.sp.Advertise(a.ctx, pfx, unspecified(pfx)); err != nil {
			a.fail(err)
			continue
		}
		e.cur.Prefixes = append(e.cur.Prefixes, pfx)
	}
}

// applyPolicyLocked replaces the segmentation policy if it changed; when
// that fails the old policy stays whole (one transaction).
func (e *Engine) applyPolicyLocked(a *applying) {
	if !a.plan.Segmentation {
		return
	}
	if err := e.nft.setSegmentation(a.want.Segmentation); err != nil {
		a.fail(err)
		return
	}
	e.cur.Segmentation = cloneSegmentation(a.want.Segmentation)
}

// Close stops the speaker (its peers see the sessions close and withdraw at
// once), removes every tunnel and the routes it installed, and waits for its
// goroutines. It is idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.cancel() // syncLoop and resetLoop; resetPeer sees closed
	var errs []error
	if sp := e.speaker.Swap(nil); sp != nil {
		errs = append(errs, sp.Close())
	}
	for _, name := range slices.Sorted(maps.Keys(e.tunnels)) { // in a stable order
		t := e.tunnels[name]
		e.setProber(t.peer, nil)
		errs = append(errs, t.close())
		delete(e.tunnels, name)
	}
	e.syncBFDLocked(context.Background()) // closed: closes every session
	errs = append(errs, e.closeOverlaysLocked(), e.closeFireNetLocked(), e.closeFlowExportLocked())
	e.mu.Unlock()
	e.wg.Wait()
	errs = append(errs, e.sys.fib.Close(), e.nft.close())
	e.sys.close()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close gateway: %w", err)
	}
	return nil
}

func sortConfig(c *Config) {
	slices.SortFunc(c.Peers, func(a, b Peer) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Neighbors, func(a, b Neighbor) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Prefixes, comparePrefix)
}

func cloneConfig(c Config) Config {
	c.Prefixes = slices.Clone(c.Prefixes)
	c.Peers = slices.Clone(c.Peers)
	for i := range c.Peers {
		c.Peers[i].Import = slices.Clone(c.Peers[i].Import)
		c.Peers[i].Export = slices.Clone(c.Peers[i].Export)
		c.Peers[i].NotFrom = slices.Clone(c.Peers[i].NotFrom)
		c.Peers[i].Approved = slices.Clone(c.Peers[i].Approved)
	}
	c.Neighbors = slices.Clone(c.Neighbors)
	for i := range c.Neighbors {
		n := &c.Neighbors[i]
		n.Import, n.Export, n.Approved = slices.Clone(n.Import), slices.Clone(n.Export), slices.Clone(n.Approved)
		if n.VXLAN != nil {
			v := *n.VXLAN
			n.VXLAN = &v
		}
	}
	c.Segmentation = cloneSegmentation(c.Segmentation)
	c.FireNet = cloneFireNet(c.FireNet)
	if c.FlowExport != nil {
		f := *c.FlowExport
		f.Domains = cloneSegmentation(&Segmentation{Domains: f.Domains}).Domains
		c.FlowExport = &f
	}
	return c
}
