package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mcnlab/mcnlab/controller/graph"
	"github.com/mcnlab/mcnlab/controller/store"
	"github.com/mcnlab/mcnlab/controller/tracker"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// ConsoleBackend is the part of a Backend that the web console reads
// beside the other endpoints: the live topology graph, one gateway's whole
// status, the VPC tracker and the event log.
type ConsoleBackend interface {
	// Graph answers GET /v1/graph: the topology with each gateway's and
	// edge's state as the controller last read it.
	Graph(ctx context.Context) (*graph.Graph, error)
	// GatewayDetail answers GET /v1/gateways/{name}; an unknown gateway
	// wraps ErrNotFound.
	GatewayDetail(ctx context.Context, name string) (GatewayDetail, error)
	// Allocations answers GET /v1/vpc-tracker: every network CIDR the
	// clouds' APIs list and every site's prefix.
	Allocations(ctx context.Context) ([]tracker.Allocation, error)
	// Events answers GET /v1/events: the events after the one of ID
	// after (0: from the first), oldest first, at most limit (0: all).
	Events(ctx context.Context, after int64, limit int) ([]store.Event, error)
}

// GatewayDetail is one gateway: what GET /v1/status says of it, whether
// it answers, its whole status as it last reported it (tunnels, BGP
// sessions, routes, segmentation drops), and its tunnels grouped by peer
// gateway (an HPE group where there are several).
type GatewayDetail struct {
	Gateway
	Up     bool         `json:"up"`
	Status *mgmt.Status `json:"status,omitempty"`
	Groups []HPEGroup   `json:"groups"`
}

// HPEGroup is the tunnels between a gateway and one peer gateway.
type HPEGroup struct {
	Peer      string   `json:"peer"`
	Tunnels   []string `json:"tunnels"`
	TunnelsUp int      `json:"tunnels_up"`
}

// Whoami answers GET /v1/whoami: the name and role of the token used, so
// that a client (the console) offers only what the role may do.
type Whoami struct {
	Name string     `json:"name,omitempty"`
	Role store.Role `json:"role"`
}

// streamInterval is how often GET /v1/stream compares the graph and the
// event log with what it sent last.
const streamInterval = 200 * time.Millisecond

// consoleRoutes are the endpoints that the web console reads.
func (h *handler) consoleRoutes() []route {
	return []route{
		{"GET", "/v1/whoami", store.RoleReadOnly, h.whoami},
		{"GET", "/v1/graph", store.RoleReadOnly, h.graph},
		{"GET", "/v1/gateways/{name}", store.RoleReadOnly, h.gatewayDetail},
		{"GET", "/v1/vpc-tracker", store.RoleReadOnly, h.vpcTracker},
		{"GET", "/v1/events", store.RoleReadOnly, h.events},
		{"GET", "/v1/stream", store.RoleReadOnly, h.stream},
	}
}

func (h *handler) whoami(w http.ResponseWriter, _ *http.Request, c caller) {
	writeJSON(w, http.StatusOK, Whoami{Name: c.name, Role: c.role})
}

// console returns the ConsoleBackend, or answers 501.
func (h *handler) console(w http.ResponseWriter) (ConsoleBackend, bool) {
	cb, ok := h.b.(ConsoleBackend)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this controller serves no graph, tracker or event log")
	}
	return cb, ok
}

func (h *handler) graph(w http.ResponseWriter, r *http.Request, _ caller) {
	if cb, ok := h.console(w); ok {
		g, err := cb.Graph(r.Context())
		answer(w, g, err)
	}
}

func (h *handler) gatewayDetail(w http.ResponseWriter, r *http.Request, _ caller) {
	if cb, ok := h.console(w); ok {
		d, err := cb.GatewayDetail(r.Context(), r.PathValue("name"))
		d.Groups = list(d.Groups)
		answer(w, d, err)
	}
}

// vpcTracker answers every allocation, or with ?test=CIDR those that the
// CIDR overlaps.
func (h *handler) vpcTracker(w http.ResponseWriter, r *http.Request, _ caller) {
	cb, ok := h.console(w)
	if !ok {
		return
	}
	as, err := cb.Allocations(r.Context())
	if err == nil {
		if cidr := r.URL.Query().Get("test"); cidr != "" {
			if as, err = tracker.Test(as, cidr); err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
	}
	answer(w, list(as), err)
}

func (h *handler) events(w http.ResponseWriter, r *http.Request, _ caller) {
	cb, ok := h.console(w)
	if !ok {
		return
	}
	var after int64
	limit := 0
	if s := r.URL.Query().Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("after %q: want an event ID of 0 or more", s))
			return
		}
		after = n
	}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %q: want a count of 0 or more", s))
			return
		}
		limit = n
	}
	es, err := cb.Events(r.Context(), after, limit)
	answer(w, list(es), err)
}

// stream answers GET /v1/stream with server-sent events
// (https://html.spec.whatwg.org/multipage/server-sent-events.html): a
// "graph" event with the whole graph when it changes (and first), a "log"
// event per new entry of the event log, and a comment every 15 s to keep
// idle proxies from closing it. It ends when the client goes or the
// controller stops.
func (h *handler) stream(w http.ResponseWriter, r *http.Request, _ caller) {
	cb, ok := h.console(w)
	if !ok {
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	ctx := r.Context()
	var last []byte
	var after int64
	if es, err := cb.Events(ctx, 0, 0); err == nil && len(es) > 0 {
		after = es[len(es)-1].ID // the client reads the log itself; send what comes
	}
	t := time.NewTicker(streamInterval)
	defer t.Stop()
	idle := time.Now()
	for {
		sent, err := streamOnce(ctx, w, cb, &last, &after)
		if err != nil {
			return
		}
		if !sent && time.Since(idle) > 15*time.Second {
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			sent = true
		}
		if sent {
			idle = time.Now()
			if rc.Flush() != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// streamOnce writes the graph when it differs from last and the events
// after after; it reports whether it wrote anything, and fails only when
// the client is gone.
func streamOnce(ctx context.Context, w http.ResponseWriter, cb ConsoleBackend, last *[]byte, after *int64) (bool, error) {
	sent := false
	if g, err := cb.Graph(ctx); err == nil {
		b, _ := json.Marshal(g)
		if !bytes.Equal(b, *last) {
			*last = b
			if _, err := fmt.Fprintf(w, "event: graph\ndata: %s\n\n", b); err != nil {
				return false, err
			}
			sent = true
		}
	}
	if es, err := cb.Events(ctx, *after, 0); err == nil {
		for _, e := range es {
			b, _ := json.Marshal(e)
			if _, err := fmt.Fprintf(w, "event: log\nid: %d\ndata: %s\n\n", e.ID, b); err != nil {
				return false, err
			}
			*after, sent = e.ID, true
		}
	}
	return sent, nil
}

// Whoami calls GET /v1/whoami.
func (c *Client) Whoami(ctx context.Context) (Whoami, error) {
	var out Whoami
	return out, c.do(ctx, "GET", "/v1/whoami", nil, &out)
}

// Graph calls GET /v1/graph.
func (c *Client) Graph(ctx context.Context) (*graph.Graph, error) {
	var out graph.Graph
	return &out, c.do(ctx, "GET", "/v1/graph", nil, &out)
}
