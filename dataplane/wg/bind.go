package wg

import (
	"fmt"

	vnetns "github.com/vishvananda/netns"
	"golang.zx2c4.com/wireguard/conn"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

// NamespaceBind wraps bind so that its sockets are always opened inside
// the namespace ns, whichever thread asks. wireguard-go closes and reopens
// its bind whenever the TUN reports down and up, from its own event
// goroutine, which runs on any thread of the process: in a process that
// serves several namespaces, a plain bind would then open its sockets in
// whatever namespace that thread is in (usually the root one). The caller
// keeps ns open until the Tunnel using the bind is closed, and closes it.
func NamespaceBind(bind conn.Bind, ns vnetns.NsHandle) conn.Bind {
	return &nsBind{Bind: bind, ns: ns}
}

type nsBind struct {
	conn.Bind
	ns vnetns.NsHandle
}

func (b *nsBind) Open(port uint16) (fns []conn.ReceiveFunc, actual uint16, err error) {
	derr := netns.DoHandle(b.ns, func() error {
		fns, actual, err = b.Bind.Open(port)
		return nil
	})
	if derr != nil {
		return nil, 0, fmt.Errorf("open WireGuard sockets: %w", derr)
	}
	return fns, actual, err
}
