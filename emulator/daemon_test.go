package emulator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

func TestStartDaemon(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "sd")
	if err := deployLine(t, lab, nil); err != nil {
		t.Fatal(err)
	}
	ns := NamespaceName(lab, "r1")
	logPath := filepath.Join(t.TempDir(), "d.log")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := StartDaemon(ctx, ns, []string{"/bin/sh", "-c", "echo started; exec sleep 600"}, logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Alive() {
		t.Fatalf("daemon %+v not alive", p)
	}
	// It runs in the namespace, in a session of its own.
	ino, err := nsInode(ns)
	if err != nil {
		t.Fatal(err)
	}
	link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", p.PID))
	if err != nil || link != fmt.Sprintf("net:[%d]", ino) {
		t.Errorf("daemon's netns = %q, %v; want net:[%d] (%s)", link, err, ino, ns)
	}
	if sid, err := unix.Getsid(p.PID); err != nil || sid != p.PID {
		t.Errorf("daemon's session = %d, %v; want its own (%d)", sid, err, p.PID)
	}
	// Its output goes to the log.
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(logPath)
		if strings.Contains(string(b), "started") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %s = %q; want the daemon's output", logPath, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// No socket answers, and the deadline ends the wait.
	wctx, wcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer wcancel()
	if err := WaitSocket(wctx, filepath.Join(t.TempDir(), "none.sock"), p); err == nil {
		t.Error("WaitSocket on a socket nobody serves succeeded")
	}
	// Destroy kills it with the lab.
	if err := Destroy(context.Background(), lab, nil); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for p.Alive() {
		if time.Now().After(deadline) {
			t.Fatalf("daemon pid %d survived Destroy", p.PID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWaitSocketNoticesADeadDaemon(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "sx")
	if err := deployLine(t, lab, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := StartDaemon(ctx, NamespaceName(lab, "h1"), []string{"/bin/sh", "-c", "exit 3"}, filepath.Join(t.TempDir(), "d.log"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = WaitSocket(ctx, filepath.Join(t.TempDir(), "gw.sock"), p)
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("WaitSocket for a daemon that exited: %v; want an 'exited' error", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("WaitSocket took %s to notice the daemon died", time.Since(start))
	}
	if _, err := StartDaemon(ctx, NamespaceName(lab, "h1"), nil, "/dev/null"); err == nil {
		t.Error("StartDaemon with no command succeeded")
	}
}
