package wg

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/conn"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestNamespaceBindOpensInItsNamespace opens a NamespaceBind from the test's
// own goroutine, in the root namespace, as wireguard-go's event goroutine
// does after a TUN down/up, and checks that its socket receives on an
// address that exists only in the lab namespace.
func TestNamespaceBindOpensInItsNamespace(t *testing.T) {
	roottest.Require(t)
	goroutineLeakCheck(t)
	nss := roottest.NewNamespaces(t, "a", "b")
	a, b := nss[0], nss[1]
	roottest.VethPair(t, a, b, "va", "vb", []string{"10.99.1.1/24"}, []string{"10.99.1.2/24"})

	bind := NamespaceBind(conn.NewStdNetBind(), a.Handle)
	fns, port, err := bind.Open(0)
	if err != nil {
		t.Fatalf("open bind: %v", err)
	}
	got := make(chan netip.Addr, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		bufs := make([][]byte, bind.BatchSize())
		for i := range bufs {
			bufs[i] = make([]byte, 1500)
		}
		sizes := make([]int, len(bufs))
		eps := make([]conn.Endpoint, len(bufs))
		for {
			n, err := fns[0](bufs, sizes, eps)
			if err != nil {
				return // the bind was closed
			}
			if n > 0 && string(bufs[0][:sizes[0]]) == "hello" {
				select {
				case got <- eps[0].DstIP():
				default:
				}
			}
		}
	}()
	var tx net.Conn
	err = netns.Do(b.Name, func() (err error) {
		tx, err = net.Dial("udp4", netip.AddrPortFrom(netip.MustParseAddr("10.99.1.1"), port).String())
		return err
	})
	if err != nil {
		bind.Close()
		<-done
		t.Fatalf("dial in b: %v", err)
	}
	defer tx.Close()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		if _, err := tx.Write([]byte("hello")); err != nil {
			// Refused: ICMP port unreachable came back, nothing listens.
			t.Errorf("send: %v: the bind's socket is not in the lab namespace", err)
			break wait
		}
		select {
		case from := <-got:
			if from != netip.MustParseAddr("10.99.1.2") {
				t.Errorf("datagram from %s, want 10.99.1.2", from)
			}
			break wait
		case <-deadline:
			t.Error("no datagram reached the bind: its socket is not in the lab namespace")
			break wait
		case <-tick.C:
		}
	}
	if err := bind.Close(); err != nil {
		t.Errorf("close bind: %v", err)
	}
	<-done
}
