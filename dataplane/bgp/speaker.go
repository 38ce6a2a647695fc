package bgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/server"
)

// ErrClosed is returned by calls on a Speaker that has been closed.
var ErrClosed = errors.New("bgp speaker closed")

// apiTimeout bounds every GoBGP API call: GoBGP ignores the context it is
// given, so a hung server would otherwise hang the caller.
const apiTimeout = 10 * time.Second

// Config is the speaker's global configuration.
type Config struct {
	// ASN is the local autonomous system number.
	ASN uint32
	// RouterID is the BGP identifier; it must be an IPv4 address.
	RouterID netip.Addr
	// ListenPort is the TCP port to accept sessions on; -1 does not listen,
	// 0 means 179.
	ListenPort int32
	// ListenAddrs restricts listening to these addresses; empty means all.
	ListenAddrs []netip.Addr
	// Logger receives GoBGP's log lines; nil logs warnings and errors
	// to stderr.
	Logger *slog.Logger
}

// Speaker is one embedded BGP speaker. Its methods are safe for concurrent
// use. Close it to stop its sessions and goroutines.
type Speaker struct {
	srv         *server.BgpServer
	asn         uint32
	closed      chan struct{} // closed by Close
	cancelWatch context.CancelFunc
	closeOnce   sync.Once

	mu       sync.Mutex // guards the fields below
	rib      map[netip.Prefix][]Path
	ribPeak  int // rib's largest size since it was last shrunk
	subs     map[*subscriber]struct{}
	sessions map[chan struct{}]struct{} // WatchSessions wake-ups, capacity 1
	peers    map[netip.Addr]*peerEntry
	// down are endSessions' waits: closed when the neighbor's session
	// is reported down (its receive goroutine has ended).
	down     map[netip.Addr]chan struct{}
	adverts  map[netip.Prefix][]byte // GoBGP path UUIDs of Advertise calls
	policyID uint64                  // makes policy names unique per update
}

// New starts a speaker with cfg. It returns when the speaker is listening
// (unless ListenPort is -1) and its best-path table is being tracked.
func New(ctx context.Context, cfg Config) (*Speaker, error) {
	if cfg.ASN == 0 {
		return nil, errors.New("bgp: config: ASN must be set")
	}
	if !cfg.RouterID.Is4() {
		return nil, fmt.Errorf("bgp: config: router ID %q must be an IPv4 address", cfg.RouterID)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv := server.NewBgpServer(server.LoggerOption(slogAdapter{l: logger}))
	// Serve must run before any API call. GoBGP v3 offers no way to stop it:
	// this one goroutine stays, idle, after Close (see Close).
	go srv.Serve()

	s := &Speaker{
		srv:      srv,
		asn:      cfg.ASN,
		closed:   make(chan struct{}),
		rib:      make(map[netip.Prefix][]Path),
		subs:     make(map[*subscriber]struct{}),
		sessions: make(map[chan struct{}]struct{}),
		peers:    make(map[netip.Addr]*peerEntry),
		down:     make(map[netip.Addr]chan struct{}),
		adverts:  make(map[netip.Prefix][]byte),
	}
	listen := make([]string, 0, len(cfg.ListenAddrs))
	for _, a := range cfg.ListenAddrs {
		listen = append(listen, a.String())
	}
	global := &api.Global{
		Asn:              cfg.ASN,
		RouterId:         cfg.RouterID.String(),
		ListenPort:       cfg.ListenPort,
		ListenAddresses:  listen,
		UseMultiplePaths: true,
	}
	err := call(ctx, "start", func(ctx context.Context) error {
		return srv.StartBgp(ctx, &api.StartBgpRequest{Global: global})
	})
	if err != nil {
		return nil, err
	}
	// Multipath for both eBGP and iBGP: GoBGP's use-multiple-paths treats
	// paths that tie on local-pref, AS-path length, origin and MED as equal
	// cost, whichever kind of session they came from.
	wctx, cancel := context.WithCancel(context.Background())
	s.cancelWatch = cancel
	err = call(ctx, "watch best paths", func(context.Context) error {
		return srv.WatchEvent(wctx, &api.WatchEventRequest{Table: &api.WatchEventRequest_Table{
			Filters: []*api.WatchEventRequest_Table_Filter{{Type: api.WatchEventRequest_Table_Filter_BEST, Init: true}},
		}}, s.onBest)
	})
	if err == nil {
		err = call(ctx, "watch sessions", func(context.Context) error {
			return srv.WatchEvent(wctx, &api.WatchEventRequest{Peer: &api.WatchEventRequest_Peer{}}, s.onPeer)
		})
	}
	if err != nil {
		cancel()
		_ = call(context.Background(), "stop", func(ctx context.Context) error {
			return srv.StopBgp(ctx, &api.StopBgpRequest{})
		})
		return nil, err
	}
	return s, nil
}

// Close stops every session, the listener and the best-path tracking, and
// ends running Watch calls with ErrClosed. It is idempotent.
//
// GoBGP v3's Serve loop cannot be stopped: after Close exactly one goroutine
// per Speaker remains, blocked and holding no sockets or sessions.
func (s *Speaker) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.endSessions()
		err = call(context.Background(), "stop", func(ctx context.Context) error {
			return s.srv.StopBgp(ctx, &api.StopBgpRequest{})
		})
		s.cancelWatch()
		close(s.closed)
	})
	return err
}

// call runs one GoBGP API call under apiTimeout, wrapping its error with op.
func call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- fn(ctx) }()
	select {
	case err := <-errc:
		if err != nil {
			return fmt.Errorf("bgp %s: %w", op, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("bgp %s: %w", op, ctx.Err())
	}
}

// do is call for a speaker that may be closed.
func (s *Speaker) do(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	select {
	case <-s.closed:
		return fmt.Errorf("bgp %s: %w", op, ErrClosed)
	default:
	}
	return call(ctx, op, fn)
}

// endSessionsTimeout bounds how long Close waits for established sessions
// to end before it stops the server anyway.
const endSessionsTimeout = 3 * time.Second

// endSessions deletes every neighbor and waits, up to endSessionsTimeout,
// until each session that was established is reported down. GoBGP v3's
// StopBgp deletes the neighbors itself but then resets the global
// configuration while their sessions' receive goroutines may still read
// it (a data race the race detector caught in TestECMPAndWithdrawOnPeerClose);
// a session is reported down only once those goroutines have ended.
func (s *Speaker) endSessions() {
	s.mu.Lock()
	down := make(map[netip.Addr]chan struct{}, len(s.peers))
	for a := range s.peers {
		down[a] = make(chan struct{})
		s.down[a] = down[a]
	}
	s.mu.Unlock()
	up, err := s.Established(context.Background())
	if err != nil {
		up = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), endSessionsTimeout)
	defer cancel()
	for a := range down {
		_ = call(ctx, "delete peer "+a.String(), func(ctx context.Context) error {
			return s.srv.DeletePeer(ctx, &api.DeletePeerRequest{Address: a.String()})
		})
	}
	for a, ch := range down {
		if up[a] {
			select {
			case <-ch:
			case <-ctx.Done():
			}
		}
	}
	s.mu.Lock()
	clear(s.down)
	s.mu.Unlock()
}
