package main

import (
	"os"
	"strings"
	"testing"
)

func TestGatewayRefusesToRunOutsideALab(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: without it the command stops earlier, at needRoot")
	}
	_, _, err := run(t, "gateway", "--socket", t.TempDir()+"/gw.sock")
	if err == nil || !strings.Contains(err.Error(), "outside a lab namespace") {
		t.Errorf("gateway in the test's own namespace: %v; want a refusal", err)
	}
	_, _, err = run(t, "gateway")
	if err == nil || !strings.Contains(err.Error(), "--socket") {
		t.Errorf("gateway without --socket: %v", err)
	}
}
