package controller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/flows"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// The controller's flow collector: for each gateway that answers, a UDP
// socket opened through the FlowListener seam, read into one flows.Store;
// each gateway's configuration then carries a flow export to that
// socket's address. A gateway that restarted (a new boot: its instance
// may have been made anew) gets a new socket.

// FlowInterval is the active timeout the gateways export with.
const FlowInterval = time.Second

// flowCollector is the collector's state; its zero value collects
// nothing until listen opens a socket.
type flowCollector struct {
	store *flows.Store
	mu    sync.Mutex // guards the field below
	// sockets by gateway key, with the boot they were opened for.
	sockets map[string]flowSocket
}

type flowSocket struct {
	conn net.PacketConn
	addr netip.AddrPort
	boot string
	done chan struct{}
}

// listenFlows opens a collector socket for each gateway that answered
// and has none for its boot.
func (c *Controller) listenFlows() {
	if c.opts.Flows == nil {
		return
	}
	c.mu.Lock()
	boots := maps.Clone(c.boots)
	ids := map[string]string{}
	for k := range boots {
		ids[k] = k
		if g := c.plan.Gateway(k); g == nil || g.Role != intent.RoleSite {
			if in, ok := c.inv.Instances[k]; ok {
				ids[k] = in.ID
			}
		}
	}
	c.mu.Unlock()
	fc := &c.flows
	for _, k := range slices.Sorted(maps.Keys(boots)) {
		fc.mu.Lock()
		s, ok := fc.sockets[k]
		fc.mu.Unlock()
		if ok && s.boot == boots[k] {
			continue
		}
		if ok {
			s.close()
		}
		conn, addr, err := c.opts.Flows.ListenFlows(ids[k])
		if err != nil {
			c.warnOnce("flows "+k+" "+boots[k], "gateway %s: no flow collector: %v", k, err)
			continue
		}
		s = flowSocket{conn: conn, addr: addr, boot: boots[k], done: make(chan struct{})}
		go func() {
			defer close(s.done)
			fc.store.Collect(conn, k)
		}()
		fc.mu.Lock()
		fc.sockets[k] = s
		fc.mu.Unlock()
	}
}

func (s flowSocket) close() {
	s.conn.Close()
	<-s.done
}

// flowExport is what gateway k's configuration cfg says of flow export:
// to its collector socket, or nothing while it has none; a gateway that
// holds no segmentation names the records' domains by names.
func (c *Controller) flowExport(k string, cfg mgmt.Config, names []mgmt.Domain) *mgmt.FlowExport {
	c.flows.mu.Lock()
	s, ok := c.flows.sockets[k]
	c.flows.mu.Unlock()
	if !ok {
		return nil
	}
	h := fnv.New32a()
	h.Write([]byte(k))
	fe := &mgmt.FlowExport{Collector: s.addr, IntervalMS: int(FlowInterval / time.Millisecond), DomainID: h.Sum32()}
	if cfg.Segmentation == nil {
		fe.Domains = names
	}
	return fe
}

// flowDomains are the domains of every configuration's segmentation (the
// transits'), merged by name, in name order.
func flowDomains(cfgs map[string]mgmt.Config) []mgmt.Domain {
	byName := map[string][]netip.Prefix{}
	for _, cfg := range cfgs {
		if cfg.Segmentation == nil {
			continue
		}
		for _, d := range cfg.Segmentation.Domains {
			byName[d.Name] = append(byName[d.Name], d.Prefixes...)
		}
	}
	var out []mgmt.Domain
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		ps := byName[name]
		slices.SortFunc(ps, func(a, b netip.Prefix) int {
			return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
		})
		out = append(out, mgmt.Domain{Name: name, Prefixes: slices.Compact(ps)})
	}
	return out
}

// closeFlows closes every collector socket.
func (c *Controller) closeFlows() {
	c.flows.mu.Lock()
	socks := c.flows.sockets
	c.flows.sockets = map[string]flowSocket{}
	c.flows.mu.Unlock()
	for _, s := range socks {
		s.close()
	}
}

var _ api.FlowsBackend = (*Backend)(nil)

// Flows answers the flows collected from the gateways.
func (b *Backend) Flows(_ context.Context, q api.FlowsQuery) (api.Flows, error) {
	by, err := flows.ParseBy(q.By)
	if err != nil {
		return api.Flows{}, fmt.Errorf("%w: %w", api.ErrInvalid, err)
	}
	if q.Top < 0 || q.Since < 0 {
		return api.Flows{}, fmt.Errorf("%w: top %d and since %s may not be negative", api.ErrInvalid, q.Top, q.Since)
	}
	if b.c.opts.Flows == nil {
		return api.Flows{}, errors.New("this controller collects no flows")
	}
	a := b.c.flows.store.Query(flows.Query{Top: q.Top, By: by, Since: q.Since}, time.Now())
	out := api.Flows{By: q.By, Flows: []api.Flow{}, Groups: []api.FlowGroup{}}
	for _, f := range a.Flows {
		out.Flows = append(out.Flows, api.Flow{Gateway: f.Gateway, Src: f.Src, Dst: f.Dst, Proto: flows.ProtoName(f.Proto),
			SrcPort: f.SrcPort, DstPort: f.DstPort, Packets: f.Packets, Bytes: f.Bytes, Start: f.Start, End: f.End,
			SrcDomain: f.SrcDomain, DstDomain: f.DstDomain, Action: f.Action.String()})
	}
	for _, g := range a.Groups {
		out.Groups = append(out.Groups, api.FlowGroup{Key: g.Key, Flows: g.Flows, Packets: g.Packets, Bytes: g.Bytes, Denied: g.Denied})
	}
	return out, nil
}
