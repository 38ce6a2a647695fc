package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/dataplane/capture"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

var _ api.CaptureBackend = (*Backend)(nil)

// captureClient is the management client of gateway name, which runs the
// capture on its own interfaces.
func (b *Backend) captureClient(name string) (*mgmt.Client, error) {
	if b.c.plan.Gateway(name) == nil {
		return nil, fmt.Errorf("%w: no gateway %q", api.ErrNotFound, name)
	}
	cl, ok := b.c.client(name)
	if !ok {
		return nil, fmt.Errorf("gateway %s has no instance yet", name)
	}
	return cl, nil
}

// captureError gives the gateway's refusal the API's kind: 400 invalid,
// 404 not found, 409 conflict.
func captureError(name string, err error) error {
	var se *mgmt.APIError
	if errors.As(err, &se) {
		switch se.StatusCode {
		case http.StatusBadRequest:
			return fmt.Errorf("%w: gateway %s: %s", api.ErrInvalid, name, se.Message)
		case http.StatusNotFound:
			return fmt.Errorf("%w: gateway %s: %s", api.ErrNotFound, name, se.Message)
		case http.StatusConflict:
			return fmt.Errorf("%w: gateway %s: %s", api.ErrConflict, name, se.Message)
		}
	}
	return fmt.Errorf("gateway %s: %w", name, err)
}

// StartCapture has gateway name start a capture.
func (b *Backend) StartCapture(ctx context.Context, name string, r capture.Request) (capture.Info, error) {
	if _, err := r.Options(); err != nil {
		return capture.Info{}, fmt.Errorf("%w: %v", api.ErrInvalid, err)
	}
	cl, err := b.captureClient(name)
	if err != nil {
		return capture.Info{}, err
	}
	info, err := cl.StartCapture(ctx, r)
	if err != nil {
		return capture.Info{}, captureError(name, err)
	}
	return info, nil
}

// Captures lists gateway name's captures.
func (b *Backend) Captures(ctx context.Context, name string) ([]capture.Info, error) {
	cl, err := b.captureClient(name)
	if err != nil {
		return nil, err
	}
	cs, err := cl.Captures(ctx)
	if err != nil {
		return nil, captureError(name, err)
	}
	return cs, nil
}

// StopCapture stops one of gateway name's captures.
func (b *Backend) StopCapture(ctx context.Context, name, id string) (capture.Info, error) {
	cl, err := b.captureClient(name)
	if err != nil {
		return capture.Info{}, err
	}
	info, err := cl.StopCapture(ctx, id)
	if err != nil {
		return capture.Info{}, captureError(name, err)
	}
	return info, nil
}

// CaptureFile downloads a finished capture from gateway name.
func (b *Backend) CaptureFile(ctx context.Context, name, id string) ([]byte, error) {
	cl, err := b.captureClient(name)
	if err != nil {
		return nil, err
	}
	f, err := cl.CaptureFile(ctx, id)
	if err != nil {
		return nil, captureError(name, err)
	}
	return f, nil
}
