package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/mcnlab/mcnlab/controller/store"
	"github.com/mcnlab/mcnlab/dataplane/capture"
)

// CaptureBackend is the part of a Backend that serves packet captures on
// a gateway's interfaces, which the gateway itself runs (its management
// API) and keeps until downloaded.
type CaptureBackend interface {
	// StartCapture answers POST /v1/gateways/{name}/captures. An unknown
	// gateway wraps ErrNotFound, a bad request ErrInvalid.
	StartCapture(ctx context.Context, gateway string, r capture.Request) (capture.Info, error)
	// Captures answers GET /v1/gateways/{name}/captures.
	Captures(ctx context.Context, gateway string) ([]capture.Info, error)
	// StopCapture answers POST /v1/gateways/{name}/captures/{id}/stop:
	// the capture once its file is complete.
	StopCapture(ctx context.Context, gateway, id string) (capture.Info, error)
	// CaptureFile answers GET /v1/gateways/{name}/captures/{id}/pcap: the
	// pcap file of a finished capture; one still running wraps
	// ErrConflict.
	CaptureFile(ctx context.Context, gateway, id string) ([]byte, error)
}

// captureRoutes are the endpoints of the gateways' packet captures.
func (h *handler) captureRoutes() []route {
	return []route{
		{"GET", "/v1/gateways/{name}/captures", store.RoleReadOnly, h.captures},
		{"POST", "/v1/gateways/{name}/captures", store.RoleOperator, h.startCapture},
		{"POST", "/v1/gateways/{name}/captures/{id}/stop", store.RoleOperator, h.stopCapture},
		{"GET", "/v1/gateways/{name}/captures/{id}/pcap", store.RoleOperator, h.captureFile},
	}
}

// captureBackend is h's backend's capture part, or nil.
func (h *handler) captureBackend(w http.ResponseWriter) CaptureBackend {
	return backendPart[CaptureBackend](h, w, "this controller cannot capture packets")
}

func (h *handler) captures(w http.ResponseWriter, r *http.Request, _ caller) {
	if cb := h.captureBackend(w); cb != nil {
		cs, err := cb.Captures(r.Context(), r.PathValue("name"))
		answer(w, list(cs), err)
	}
}

func (h *handler) startCapture(w http.ResponseWriter, r *http.Request, _ caller) {
	var req capture.Request
	if !decode(w, r, &req) {
		return
	}
	if cb := h.captureBackend(w); cb != nil {
		info, err := cb.StartCapture(r.Context(), r.PathValue("name"), req)
		answer(w, info, err)
	}
}

func (h *handler) stopCapture(w http.ResponseWriter, r *http.Request, _ caller) {
	if cb := h.captureBackend(w); cb != nil {
		info, err := cb.StopCapture(r.Context(), r.PathValue("name"), r.PathValue("id"))
		answer(w, info, err)
	}
}

func (h *handler) captureFile(w http.ResponseWriter, r *http.Request, _ caller) {
	if cb := h.captureBackend(w); cb != nil {
		b, err := cb.CaptureFile(r.Context(), r.PathValue("name"), r.PathValue("id"))
		if err != nil {
			fail(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.tcpdump.pcap")
		_, _ = w.Write(b)
	}
}

func capturePath(gateway string) string {
	return "/v1/gateways/" + url.PathEscape(gateway) + "/captures"
}

// StartCapture calls POST /v1/gateways/{name}/captures.
func (c *Client) StartCapture(ctx context.Context, gateway string, r capture.Request) (capture.Info, error) {
	var v capture.Info
	return v, c.do(ctx, "POST", capturePath(gateway), r, &v)
}

// Captures calls GET /v1/gateways/{name}/captures.
func (c *Client) Captures(ctx context.Context, gateway string) ([]capture.Info, error) {
	var v []capture.Info
	return v, c.do(ctx, "GET", capturePath(gateway), nil, &v)
}

// StopCapture calls POST /v1/gateways/{name}/captures/{id}/stop.
func (c *Client) StopCapture(ctx context.Context, gateway, id string) (capture.Info, error) {
	var v capture.Info
	return v, c.do(ctx, "POST", capturePath(gateway)+"/"+url.PathEscape(id)+"/stop", nil, &v)
}

// CaptureFile calls GET /v1/gateways/{name}/captures/{id}/pcap.
func (c *Client) CaptureFile(ctx context.Context, gateway, id string) ([]byte, error) {
	var b []byte
	return b, c.do(ctx, "GET", capturePath(gateway)+"/"+url.PathEscape(id)+"/pcap", nil, &b)
}
