package main

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/dataplane/capture"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// testCaptureAPI captures through the controller's API, which has the
// gateway run the capture: one on transit-1's wg-t0 limited to 4 ICMP
// packets ends by itself during 2 pings and its downloaded file holds
// echo requests and replies (tshark); one without a limit is stopped and
// its file is complete; the API answers 404 for an unknown gateway, 400
// with the filter's error, and 409 for the file of a running capture.
func testCaptureAPI(t *testing.T, lab, src string, dst netip.Addr) {
	c, err := mcnlab.API(lab)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := c.StartCapture(ctx, "transit-1", capture.Request{Interface: "wg-t0", Filter: "icmp", Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CaptureFile(ctx, "transit-1", info.ID); !statusIs(err, 409) {
		t.Errorf("file of a running capture: %v, want 409", err)
	}
	pingN(t, src, dst, 2)
	for info.State == capture.StateRunning && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond) // polls the capture's state
		cs, err := c.Captures(ctx, "transit-1")
		if err != nil {
			t.Fatal(err)
		}
		for _, ci := range cs {
			if ci.ID == info.ID {
				info = ci
			}
		}
	}
	if info.State != capture.StateDone || info.Packets != 4 {
		t.Fatalf("capture of 4 packets during 2 pings: %+v", info)
	}
	types := tsharkFields(t, downloadCapture(t, ctx, c, info.ID), "icmp.type")
	slices.Sort(types)
	if strings.Join(types, " ") != "0 0 8 8" {
		t.Errorf("API capture holds ICMP types %q, want two echo requests (8) and two replies (0)", types)
	}

	info, err = c.StartCapture(ctx, "transit-1", capture.Request{Interface: "eth0", Filter: "udp"})
	if err != nil {
		t.Fatal(err)
	}
	if info, err = c.StopCapture(ctx, "transit-1", info.ID); err != nil || info.State != capture.StateDone {
		t.Fatalf("stop: %+v, %v", info, err)
	}
	if got := len(tsharkFields(t, downloadCapture(t, ctx, c, info.ID), "frame.number")); got != info.Packets {
		t.Errorf("stopped capture: tshark reads %d packets, the gateway says %d", got, info.Packets)
	}

	if _, err := c.StartCapture(ctx, "no-such-gw", capture.Request{Interface: "eth0"}); !statusIs(err, 404) {
		t.Errorf("capture on an unknown gateway: %v, want 404", err)
	}
	_, err = c.StartCapture(ctx, "transit-1", capture.Request{Interface: "eth0", Filter: "icmp andd tcp"})
	if !statusIs(err, 400) || !strings.Contains(err.Error(), `unexpected "andd" at offset 5`) {
		t.Errorf("capture with a bad filter: %v, want 400 naming the word", err)
	}
}

// downloadCapture fetches a capture's file through the API into a file.
func downloadCapture(t *testing.T, ctx context.Context, c *api.Client, id string) string {
	t.Helper()
	b, err := c.CaptureFile(ctx, "transit-1", id)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "api.pcap")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}
