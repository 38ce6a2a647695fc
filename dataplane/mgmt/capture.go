package mgmt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/mcnlab/mcnlab/dataplane/capture"
)

// Captures is what a Backend may also serve: packet captures on the
// gateway's interfaces (*capture.Manager implements it).
//
//	POST /v1/captures               body capture.Request; 201 capture.Info
//	GET  /v1/captures               200 [capture.Info]
//	GET  /v1/captures/{id}          200 capture.Info
//	POST /v1/captures/{id}/stop     200 capture.Info (once its file is complete)
//	GET  /v1/captures/{id}/pcap     200 the pcap file; 409 while it runs
type Captures interface {
	Start(r capture.Request) (capture.Info, error)
	List() []capture.Info
	Get(id string) (capture.Info, error)
	Stop(ctx context.Context, id string) (capture.Info, error)
	File(id string) ([]byte, error)
}

func captureRoutes(route func(string, map[string]http.HandlerFunc), cb Captures) {
	route("/v1/captures", map[string]http.HandlerFunc{
		http.MethodGet: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, cb.List()) },
		http.MethodPost: func(w http.ResponseWriter, r *http.Request) {
			var req capture.Request
			if err := decodeStrict(http.MaxBytesReader(w, r.Body, maxBody), &req); err != nil {
				writeError(w, http.StatusBadRequest, err)
				return
			}
			info, err := cb.Start(req)
			captureAnswer(w, http.StatusCreated, info, err)
		},
	})
	route("/v1/captures/{id}", map[string]http.HandlerFunc{http.MethodGet: func(w http.ResponseWriter, r *http.Request) {
		info, err := cb.Get(r.PathValue("id"))
		captureAnswer(w, http.StatusOK, info, err)
	}})
	route("/v1/captures/{id}/stop", map[string]http.HandlerFunc{http.MethodPost: func(w http.ResponseWriter, r *http.Request) {
		info, err := cb.Stop(r.Context(), r.PathValue("id"))
		captureAnswer(w, http.StatusOK, info, err)
	}})
	route("/v1/captures/{id}/pcap", map[string]http.HandlerFunc{http.MethodGet: func(w http.ResponseWriter, r *http.Request) {
		b, err := cb.File(r.PathValue("id"))
		if err != nil {
			captureAnswer(w, 0, capture.Info{}, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.tcpdump.pcap")
		_, _ = w.Write(b)
	}})
}

// captureAnswer writes info with code, or err with the status its kind
// asks for.
func captureAnswer(w http.ResponseWriter, code int, info capture.Info, err error) {
	switch {
	case err == nil:
		writeJSON(w, code, info)
	case errors.Is(err, capture.ErrInvalid):
		writeError(w, http.StatusBadRequest, err)
	case errors.Is(err, capture.ErrNotFound):
		writeError(w, http.StatusNotFound, err)
	case errors.Is(err, capture.ErrRunning), errors.Is(err, capture.ErrBusy):
		writeError(w, http.StatusConflict, err)
	default:
		writeError(w, http.StatusInternalServerError, err)
	}
}

// StartCapture asks the gateway for a capture.
func (c *Client) StartCapture(ctx context.Context, r capture.Request) (capture.Info, error) {
	var info capture.Info
	return info, c.do(ctx, http.MethodPost, "/v1/captures", r, &info)
}

// Captures lists the gateway's captures.
func (c *Client) Captures(ctx context.Context) ([]capture.Info, error) {
	var out []capture.Info
	return out, c.do(ctx, http.MethodGet, "/v1/captures", nil, &out)
}

// Capture returns one capture.
func (c *Client) Capture(ctx context.Context, id string) (capture.Info, error) {
	var info capture.Info
	return info, c.do(ctx, http.MethodGet, "/v1/captures/"+url.PathEscape(id), nil, &info)
}

// StopCapture stops one capture and returns it once its file is complete.
func (c *Client) StopCapture(ctx context.Context, id string) (capture.Info, error) {
	var info capture.Info
	return info, c.do(ctx, http.MethodPost, "/v1/captures/"+url.PathEscape(id)+"/stop", nil, &info)
}

// CaptureFile downloads a finished capture's pcap file.
func (c *Client) CaptureFile(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	if err := c.do(ctx, http.MethodGet, "/v1/captures/"+url.PathEscape(id)+"/pcap", nil, &b); err != nil {
		return nil, fmt.Errorf("capture %s: %w", id, err)
	}
	return b, nil
}
