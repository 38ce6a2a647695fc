package l7proxy_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestSquidSupervised (root): Apply starts squid in the namespace and
// returns once its ports listen there; a squid killed from outside is
// started again with the same policy; the same policy again leaves it
// alone; Close kills it by its PID and leaves no shared memory behind.
func TestSquidSupervised(t *testing.T) {
	roottest.Require(t)
	if err := l7proxy.CheckSquid(); err != nil {
		roottest.Missing(t, "%v", err)
	}
	ns := roottest.NewNamespaces(t, "sq")[0]
	s, err := l7proxy.New(int(ns.Handle), filepath.Join(roottest.ReachableDir(t), "fw"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := l7proxy.Policy{Rules: []l7proxy.Rule{{Name: "1", Deny: true, Protocol: l7proxy.HTTP, Path: "/admin*"}}}
	if err := s.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if made, _ := filepath.Glob("/dev/shm/" + s.Service() + "-*"); len(made) == 0 {
		t.Errorf("no shared memory of service %s: the check below would prove nothing", s.Service())
	}
	first := s.PID()
	if first == 0 || !listening(t, first) {
		t.Fatalf("squid %d is not listening after Apply", first)
	}
	if err := s.Apply(context.Background(), p); err != nil || s.PID() != first {
		t.Errorf("the same policy again: %v, squid %d -> %d", err, first, s.PID())
	}
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var again int
	for deadline := time.Now().Add(15 * time.Second); ; {
		if again = s.PID(); again != 0 && again != first && listening(t, again) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("squid not started again within 15 s of being killed (pid now %d)", again)
		}
		time.Sleep(20 * time.Millisecond) // polling the supervisor's restart
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(again)); err == nil {
		t.Errorf("squid %d still runs after Close", again)
	}
	if left, _ := filepath.Glob("/dev/shm/" + s.Service() + "-*"); len(left) > 0 {
		t.Errorf("shared memory left: %v", left)
	}
}

// listening reports whether squid pid's namespace has its three ports
// listening, read as the package reads them.
func listening(t *testing.T, pid int) bool {
	t.Helper()
	ok, err := l7proxy.Listening(pid, l7proxy.DefaultPorts.HTTP, l7proxy.DefaultPorts.TLS, l7proxy.DefaultPorts.Forward)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return ok
}
