package egress

import (
	"fmt"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/egress/nfqueue"
)

// StartIn starts a filter in the network namespace open as nsFd (the
// egress gateway's): its table goes there through an nftables connection
// into it, and its queue is bound there. The calling thread stays where
// it is; the caller may close nsFd once StartIn returns (the filter keeps
// a duplicate until Close).
func StartIn(nsFd int, cfg Config) (*Filter, error) {
	fd, err := unix.FcntlInt(uintptr(nsFd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("egress: duplicate namespace fd: %w", err)
	}
	nft, err := nftables.New(nftables.WithNetNSFd(fd))
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("egress: nftables in namespace: %w", err)
	}
	q, err := nfqueue.Open(cfg.Queue, nfqueue.Config{NetNS: fd})
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("egress: %w", err)
	}
	f, err := Start(nft, q, cfg)
	if err != nil {
		q.Close()
		unix.Close(fd)
		return nil, err
	}
	f.release = func() { unix.Close(fd) }
	return f, nil
}
