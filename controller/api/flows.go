package api

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/mcnlab/mcnlab/controller/store"
)

// FlowsBackend is the part of a Backend that serves the flow records the
// gateways export (IPFIX).
type FlowsBackend interface {
	// Flows answers GET /v1/flows. An unknown grouping wraps ErrInvalid.
	Flows(ctx context.Context, q FlowsQuery) (Flows, error)
}

// FlowsQuery is GET /v1/flows's query: ?top=N&by=domain|gateway|app&since=5m.
type FlowsQuery struct {
	// Top keeps the first Top answers by bytes (0: all).
	Top int
	// By groups the flows: "" (none: each flow), "domain" (by source
	// and destination domain), "gateway" or "app" (protocol and server
	// port).
	By string
	// Since keeps the flows whose last packet is at most this long ago
	// (0: all the controller holds).
	Since time.Duration
}

// Flows is the answer of GET /v1/flows: Flows when not grouped, else
// Groups; both largest first by bytes.
type Flows struct {
	By     string      `json:"by,omitempty"`
	Flows  []Flow      `json:"flows"`
	Groups []FlowGroup `json:"groups"`
}

// Flow is one direction of a flow through a gateway, as its last IPFIX
// record says: counts since Start, End its last packet.
type Flow struct {
	Gateway   string     `json:"gateway"`
	Src       netip.Addr `json:"src"`
	Dst       netip.Addr `json:"dst"`
	Proto     string     `json:"proto"`
	SrcPort   uint16     `json:"src_port,omitempty"`
	DstPort   uint16     `json:"dst_port,omitempty"`
	Packets   uint64     `json:"packets"`
	Bytes     uint64     `json:"bytes"`
	Start     time.Time  `json:"start"`
	End       time.Time  `json:"end"`
	SrcDomain string     `json:"src_domain,omitempty"`
	DstDomain string     `json:"dst_domain,omitempty"`
	// Action is "permit" (forwarded) or "deny" (dropped by the
	// segmentation policy).
	Action string `json:"action"`
}

// FlowGroup is the totals of the flows of one key: "prod>shared" (domains,
// "-" for none), a gateway, or "tcp/5432".
type FlowGroup struct {
	Key     string `json:"key"`
	Flows   int    `json:"flows"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
	// Denied counts the group's flows that were dropped.
	Denied int `json:"denied"`
}

// flowRoutes are the endpoints of the flow records.
func (h *handler) flowRoutes() []route {
	return []route{{"GET", "/v1/flows", store.RoleReadOnly, h.flows}}
}

func (h *handler) flows(w http.ResponseWriter, r *http.Request, _ caller) {
	fb, ok := h.b.(FlowsBackend)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this controller collects no flows")
		return
	}
	q, err := parseFlowsQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	fs, err := fb.Flows(r.Context(), q)
	fs.Flows, fs.Groups = list(fs.Flows), list(fs.Groups)
	answer(w, fs, err)
}

// parseFlowsQuery reads top (a count), by and since (a Go duration).
func parseFlowsQuery(v url.Values) (FlowsQuery, error) {
	q := FlowsQuery{By: v.Get("by")}
	if s := v.Get("top"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return q, fmt.Errorf("top %q: want a count of 0 or more", s)
		}
		q.Top = n
	}
	if s := v.Get("since"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return q, fmt.Errorf("since %q: want a duration such as 90s or 5m", s)
		}
		q.Since = d
	}
	return q, nil
}

// Flows calls GET /v1/flows.
func (c *Client) Flows(ctx context.Context, q FlowsQuery) (Flows, error) {
	v := url.Values{}
	if q.Top > 0 {
		v.Set("top", strconv.Itoa(q.Top))
	}
	if q.By != "" {
		v.Set("by", q.By)
	}
	if q.Since > 0 {
		v.Set("since", q.Since.String())
	}
	path := "/v1/flows"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out Flows
	return out, c.do(ctx, "GET", path, nil, &out)
}
