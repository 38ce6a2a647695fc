package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/egress/nfqueue"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// PacketQueue is the netfilter queue the filter reads; *nfqueue.Queue
// implements it, and tests use a fake.
type PacketQueue interface {
	// Read blocks for packets; nfqueue.ErrClosed once closed.
	Read() ([]nfqueue.Packet, error)
	SetVerdict(id uint32, v nfqueue.Verdict, mark uint32) error
	Close() error
}

// Config is a filter's setup.
type Config struct {
	// Table is the name of the filter's nftables table (inet), which it
	// owns: Start replaces it, Close deletes it.
	Table string
	// Queue is the NFQUEUE number the table sends packets to.
	Queue  uint16
	Policy Policy
	// LogSize is how many decisions Log keeps (default 1024).
	LogSize int
	// OnDecision, when set, is called with each decision, after it is in
	// the log, on the filter's goroutine with its lock held: it must not
	// block or call the Filter.
	OnDecision func(Entry)
	// HoldTimeout is how long the first segments of a name that has not
	// arrived whole are held before the connection is denied (default
	// 3 s).
	HoldTimeout time.Duration
	// MaxHeld bounds the connections held at once (default 4096): past
	// it, a connection whose name has not arrived whole is denied at
	// once, so a flood of slow ClientHellos cannot grow the filter.
	MaxHeld int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Masquerade, when set, names the uplink interface: the table also
	// rewrites the source of what leaves through it to the interface's
	// address, as an egress gateway that replaces a NAT gateway does.
	Masquerade string
}

// Filter decides each new connection of the filtered sources: TCP to the
// inspected ports on its TLS SNI or HTTP Host, read from the first
// payload the client sends (held, up to sniff's bounds and HoldTimeout,
// while it arrives in several segments); everything else on the addresses
// that the rules' names resolved to (Learn), matched in the kernel. Each
// decision becomes the connection's conntrack mark, so the rest of the
// connection never reaches the program, and is logged with its rule.
type Filter struct {
	nft  policy.Conn
	q    PacketQueue
	cfg  Config
	log  *ring
	stop chan struct{}
	wg   sync.WaitGroup
	// release frees what StartIn opened for the filter, after the table
	// is gone.
	release func()

	mu      sync.Mutex // guards the fields below
	plan    *plan
	learned map[string][]netip.Addr
	held    map[flow]*held
	decided map[flow]decided
	closed  bool
}

// held is a connection whose name has not arrived whole.
type held struct {
	since   time.Time
	nextSeq uint32
	buf     []byte
	ids     []uint32
}

// decided remembers a connection's verdict for its packets that were
// queued before the verdict took effect: those whose sequence numbers
// fall in the bytes it was decided on (a new connection that reuses the
// ports starts elsewhere).
type decided struct {
	verdict    Verdict
	at         time.Time
	start, end uint32
}

// maxHeldPackets bounds the packets held for one connection
// (retransmissions included).
const maxHeldPackets = 32

// Start applies the filter's table through nft and decides the packets of
// q until Close. It owns q and the table from then on.
func Start(nft policy.Conn, q PacketQueue, cfg Config) (*Filter, error) {
	if cfg.Table == "" {
		return nil, errors.New("egress: no table name")
	}
	if cfg.HoldTimeout == 0 {
		cfg.HoldTimeout = 3 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxHeld == 0 {
		cfg.MaxHeld = 4096
	}
	pl, err := newPlan(cfg.Policy)
	if err != nil {
		return nil, err
	}
	f := &Filter{nft: nft, q: q, cfg: cfg, log: newRing(cfg.LogSize), stop: make(chan struct{}),
		plan: pl, learned: map[string][]netip.Addr{}, held: map[flow]*held{}, decided: map[flow]decided{}}
	if err := policy.Apply(nft, f.tableOf(pl)); err != nil {
		return nil, fmt.Errorf("egress: start filter %s: %w", cfg.Table, err)
	}
	f.wg.Add(2)
	go f.readLoop()
	go f.expireLoop()
	return f, nil
}

// SetPolicy replaces the policy: the table is replaced in one transaction
// (learned addresses kept) and new connections are decided by the new
// policy; connections already decided keep their verdict.
func (f *Filter) SetPolicy(p Policy) error {
	pl, err := newPlan(p)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errors.New("egress: filter closed")
	}
	if err := policy.Apply(f.nft, f.tableOf(pl)); err != nil {
		return fmt.Errorf("egress: set policy of %s: %w", f.cfg.Table, err)
	}
	f.plan = pl
	clear(f.decided)
	return nil
}

// Learn records the addresses that name resolved to (replacing what it
// resolved to before; none forgets it) and updates, in place, the address
// sets of the rules whose names match it.
func (f *Filter) Learn(name string, addrs []netip.Addr) error {
	n, ok := normalRuleName(name)
	if !ok {
		return fmt.Errorf("egress: learn %q: not a host name", name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errors.New("egress: filter closed")
	}
	if len(addrs) == 0 {
		delete(f.learned, n)
	} else {
		unmapped := make([]netip.Addr, 0, len(addrs))
		for _, a := range addrs {
			if a.IsValid() {
				unmapped = append(unmapped, a.Unmap())
			}
		}
		f.learned[n] = unmapped
	}
	t := f.tableOf(f.plan)
	for _, a := range f.plan.addr {
		if !MatchName(a.rule.Name, n) {
			continue
		}
		for _, fam := range families {
			s := learnedSet(a, fam.fam, fam.suffix, f.learned)
			if err := policy.UpdateSet(f.nft, t, s); err != nil {
				return fmt.Errorf("egress: learn %s: %w", n, err)
			}
		}
	}
	return nil
}

// tableOf is the filter's table for pl: its forward chain, and the
// source NAT when the filter masquerades.
func (f *Filter) tableOf(pl *plan) policy.Table {
	t := pl.table(f.cfg.Table, f.cfg.Queue, f.learned)
	if f.cfg.Masquerade != "" {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html — a NAT instance rewrites its clients' source address to its own, which the internet gateway maps to its elastic IP
		t.Chains = append(t.Chains, policy.Chain{Name: "postrouting", Hook: policy.HookPostrouting, Type: policy.TypeNAT, Priority: policy.PrioritySrcNAT,
			Rules: []policy.Rule{{Match: policy.Match{OIF: f.cfg.Masquerade}, NAT: &policy.NAT{Kind: policy.Masquerade}}}})
	}
	return t
}

// Log returns the last decisions, oldest first.
func (f *Filter) Log() []Entry { return f.log.all() }

// Close stops deciding and deletes the table (connections then pass
// unfiltered, as through a plain NAT gateway); the kernel drops the
// packets still held. Teardown order: mark closed so that Learn and
// SetPolicy stop touching the table; close the queue, which ends the read
// loop; stop the expiry loop; wait for both; delete the table. It is
// idempotent.
func (f *Filter) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	f.mu.Unlock()
	qerr := f.q.Close()
	close(f.stop)
	f.wg.Wait()
	terr := policy.Delete(f.nft, policy.Table{Name: f.cfg.Table})
	if f.release != nil {
		f.release()
	}
	if err := errors.Join(qerr, terr); err != nil {
		return fmt.Errorf("egress: close filter %s: %w", f.cfg.Table, err)
	}
	return nil
}

func (f *Filter) readLoop() {
	defer f.wg.Done()
	for {
		pkts, err := f.q.Read()
		if errors.Is(err, nfqueue.ErrClosed) {
			return
		}
		for _, p := range pkts {
			f.handle(p)
		}
		// Another error (a refused verdict, an unreadable message) loses
		// nothing that the kernel would not drop anyway: go on, without
		// spinning on one that persists.
		if err != nil {
			select {
			case <-f.stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
}

func (f *Filter) expireLoop() {
	defer f.wg.Done()
	t := time.NewTicker(f.cfg.HoldTimeout / 4)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			f.expire()
		}
	}
}

// expire denies the held connections whose name did not arrive in time
// and forgets old decisions.
func (f *Filter) expire() {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.cfg.Now()
	for fl, h := range f.held {
		if now.Sub(h.since) < f.cfg.HoldTimeout {
			continue
		}
		delete(f.held, fl)
		f.record(fl, "", "timeout", Decision{Verdict: Deny, Rule: RuleHoldLimit})
		f.decided[fl] = decided{verdict: Deny, at: now, start: h.nextSeq - uint32(len(h.buf)), end: h.nextSeq}
		f.verdict(h.ids, Deny) // the connection is reset, not retried

	}
	for fl, d := range f.decided {
		if now.Sub(d.at) > 10*time.Second {
			delete(f.decided, fl)
		}
	}
}

// record logs a decision; the caller holds f.mu.
func (f *Filter) record(fl flow, name, by string, d Decision) {
	e := Entry{Time: f.cfg.Now(), Src: fl.src, Dst: fl.dst, Proto: fl.proto, Name: name, By: by, Decision: d}
	f.log.add(e)
	if f.cfg.OnDecision != nil {
		f.cfg.OnDecision(e)
	}
}
