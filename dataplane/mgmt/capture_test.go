package mgmt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/capture"
)

// fakeCaptures holds capture "1", running, and "2", done with a file.
type fakeCaptures struct{ fakeBackend }

func (f *fakeCaptures) Start(r capture.Request) (capture.Info, error) {
	if _, err := r.Options(); err != nil {
		return capture.Info{}, err
	}
	return capture.Info{ID: "1", Request: r, State: capture.StateRunning}, nil
}

func (f *fakeCaptures) List() []capture.Info {
	return []capture.Info{{ID: "1", State: capture.StateRunning}, {ID: "2", State: capture.StateDone}}
}

func (f *fakeCaptures) Get(id string) (capture.Info, error) {
	for _, c := range f.List() {
		if c.ID == id {
			return c, nil
		}
	}
	return capture.Info{}, fmt.Errorf("%w: %q", capture.ErrNotFound, id)
}

func (f *fakeCaptures) Stop(_ context.Context, id string) (capture.Info, error) {
	c, err := f.Get(id)
	c.State = capture.StateDone
	return c, err
}

func (f *fakeCaptures) File(id string) ([]byte, error) {
	switch id {
	case "1":
		return nil, fmt.Errorf("%w: stop capture 1", capture.ErrRunning)
	case "2":
		return []byte{0xd4, 0xc3, 0xb2, 0xa1, 0, '{'}, nil // not JSON
	}
	return nil, fmt.Errorf("%w: %q", capture.ErrNotFound, id)
}

// TestCaptureWire: a backend with captures serves them; the client gets
// the file's bytes as they are, and the gateway's refusals as 400 (bad
// filter), 404 (unknown capture) and 409 (file of a running capture).
func TestCaptureWire(t *testing.T) {
	dir := t.TempDir()
	srv, err := Listen(filepath.Join(dir, "gw.sock"), &fakeCaptures{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := NewClient(srv.Path())
	defer c.Close()
	ctx := context.Background()
	info, err := c.StartCapture(ctx, capture.Request{Interface: "wg-t0", Filter: "icmp", Count: 4})
	if err != nil || info.ID != "1" || info.Filter != "icmp" || info.Count != 4 {
		t.Errorf("start: %+v, %v", info, err)
	}
	if info, err := c.StopCapture(ctx, "1"); err != nil || info.State != capture.StateDone {
		t.Errorf("stop: %+v, %v", info, err)
	}
	if cs, err := c.Captures(ctx); err != nil || len(cs) != 2 {
		t.Errorf("list: %+v, %v", cs, err)
	}
	if b, err := c.CaptureFile(ctx, "2"); err != nil || !bytes.Equal(b, []byte{0xd4, 0xc3, 0xb2, 0xa1, 0, '{'}) {
		t.Errorf("file: %x, %v", b, err)
	}
	for _, tc := range []struct {
		call func() error
		code int
		msg  string
	}{
		{func() error {
			_, err := c.StartCapture(ctx, capture.Request{Interface: "eth0", Filter: "udp port x"})
			return err
		},
			400, `invalid capture: filter "udp port x": want a number from 0 to 65535, not "x" at offset 9`},
		{func() error { _, err := c.Capture(ctx, "9"); return err }, 404, `no such capture: "9"`},
		{func() error { _, err := c.CaptureFile(ctx, "1"); return err }, 409, "capture still running: stop capture 1"},
	} {
		var se *APIError
		if err := tc.call(); !errors.As(err, &se) || se.StatusCode != tc.code || se.Message != tc.msg {
			t.Errorf("got %v, want %d %s", err, tc.code, tc.msg)
		}
	}
}
