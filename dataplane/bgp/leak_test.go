package bgp

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestNoGoroutineLeakAfterClose measures what Close leaves behind: GoBGP
// v3's Serve loop cannot be stopped, so exactly one goroutine per closed
// Speaker may remain, parked in (*BgpServer).Serve. Nothing else may: no
// session, listener, watcher or Watch goroutine.
func TestNoGoroutineLeakAfterClose(t *testing.T) {
	base := goroutineStacks()
	a, b := newNode(t, 1, 65001), newNode(t, 2, 65002)
	connect(t, a, b, nil)
	advertise(t, a, "10.1.0.0/24", "127.0.0.1")
	waitRoutes(t, b, "10.1.0.0/24 via 127.0.0.1 [65001]")
	a.Close()
	b.Close()

	eventually(t, 10*time.Second, func() string {
		var extra []string
		serves := 0
		for id, stack := range goroutineStacks() {
			if _, ok := base[id]; ok {
				continue
			}
			if strings.Contains(stack, "(*BgpServer).Serve(") {
				serves++
				continue
			}
			extra = append(extra, stack)
		}
		if serves > 2 || len(extra) > 0 {
			return fmt.Sprintf("%d Serve loops (want <= 2) and %d other goroutines left:\n%s", serves, len(extra), strings.Join(extra, "\n\n"))
		}
		return ""
	})
}

// goroutineStacks maps goroutine headers ("goroutine N") to their stacks.
func goroutineStacks() map[string]string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	out := make(map[string]string)
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, " [")
		out[header] = g
	}
	return out
}

func fmtPeer(p PeerState) string {
	return fmt.Sprintf("%+v", p)
}
