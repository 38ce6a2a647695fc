package flowexport

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/ipfix"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// Config says where and how often to export.
type Config struct {
	// Collector is the collector's UDP address.
	Collector netip.AddrPort
	// Interval is the active timeout: a flow that carries packets is
	// exported again after it; 0 means DefaultInterval.
	Interval time.Duration
	// DomainID is the observation domain ID of every message.
	DomainID uint32
}

// DefaultInterval is the active timeout when Config.Interval is 0.
const DefaultInterval = time.Second

// MaxMessage is the largest message sent: one that fits a 1500-byte
// Ethernet frame in one IPv6 UDP datagram (RFC 7011 section 10.3.3).
const MaxMessage = 1500 - 40 - 8

// Table is the exporter's nftables table: a rule in the forward hook that
// reads conntrack state, which makes the kernel track the connections of
// the namespace (it registers the tracker's hooks for the table's
// families); it changes no packet.
var Table = policy.Table{Family: policy.FamilyINet, Name: "mcnlab-flows", Chains: []policy.Chain{{
	Name: "forward", Hook: policy.HookForward, Priority: policy.PriorityFilter,
	Rules: []policy.Rule{{Match: policy.Match{CtState: policy.CtNew | policy.CtEstablished | policy.CtRelated}}},
}}}

// Exporter meters a source every interval and sends what changed to the
// collector. Start it with Start; Close stops it.
type Exporter struct {
	cfg    Config
	src    Source
	nft    policy.Conn
	meter  Meter
	stream ipfix.Stream
	conn   *net.UDPConn
	log    *slog.Logger

	mu     sync.Mutex // guards domain
	domain func(netip.Addr) string

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Start applies Table through nft, turns on the connection tracker's
// counters, and exports src's flows to cfg.Collector until Close. domain
// names an address's segmentation domain (nil: none; SetDomain changes
// it). The exporter closes src.
func Start(cfg Config, nft policy.Conn, src Source, domain func(netip.Addr) string, log *slog.Logger) (*Exporter, error) {
	if !cfg.Collector.IsValid() || cfg.Collector.Port() == 0 {
		return nil, fmt.Errorf("flowexport: collector %s is no address and port", cfg.Collector)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := policy.Apply(nft, Table); err != nil {
		return nil, fmt.Errorf("flowexport: %w", err)
	}
	if err := enableAccounting(); err != nil {
		return nil, errors.Join(err, policy.Delete(nft, Table))
	}
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(cfg.Collector))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("flowexport: collector %s: %w", cfg.Collector, err), policy.Delete(nft, Table))
	}
	x := &Exporter{cfg: cfg, src: src, nft: nft, conn: conn, log: log, domain: domain,
		stream: ipfix.Stream{DomainID: cfg.DomainID}, stop: make(chan struct{}), done: make(chan struct{})}
	go x.run()
	return x, nil
}

// SetDomain changes how addresses are named to domains from the next
// export on.
func (x *Exporter) SetDomain(domain func(netip.Addr) string) {
	x.mu.Lock()
	x.domain = domain
	x.mu.Unlock()
}

func (x *Exporter) run() {
	defer close(x.done)
	t := time.NewTicker(x.cfg.Interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-x.stop:
			return
		case <-t.C:
		}
		err := x.export(time.Now())
		if err != nil && !failing {
			x.log.Warn("flow export", "collector", x.cfg.Collector.String(), "err", err)
		} else if err == nil && failing {
			x.log.Info("flow export works again", "collector", x.cfg.Collector.String())
		}
		failing = err != nil
	}
}

// export reads the source once and sends what changed.
func (x *Exporter) export(now time.Time) error {
	entries, err := x.src.Read()
	if err != nil {
		return err
	}
	x.mu.Lock()
	x.meter.Domain = x.domain
	x.mu.Unlock()
	flows := x.meter.Update(entries, now)
	if len(flows) == 0 {
		return nil
	}
	msgs, err := x.stream.Encode(now, flows, MaxMessage)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if _, err := x.conn.Write(m); err != nil {
			return fmt.Errorf("flowexport: send to %s: %w", x.cfg.Collector, err)
		}
	}
	return nil
}

// Close stops exporting, removes Table and closes the source; it is
// idempotent.
func (x *Exporter) Close() error {
	var err error
	x.once.Do(func() {
		close(x.stop)
		<-x.done
		err = errors.Join(x.conn.Close(), x.src.Close(), policy.Delete(x.nft, Table))
	})
	return err
}
