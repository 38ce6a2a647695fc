package esp

import "sync/atomic"

// Stats is a snapshot of a Tunnel's counters. Bytes count inner IP packets.
type Stats struct {
	TxPackets, TxBytes uint64 // sealed and handed to the UDP socket
	RxPackets, RxBytes uint64 // authenticated and written to the TUN device
	ReplayDrops        uint64 // inbound packets refused by the replay window
	AuthFailures       uint64 // inbound packets whose ICV did not verify
	UnknownSPI         uint64 // inbound ESP packets for no SA in the SADB
	Malformed          uint64 // inbound or outbound packets that do not parse
	SeqExhausted       uint64 // outbound packets dropped: the SA needs a rekey
	IKE                uint64 // IKE messages received (non-ESP marker)
	Keepalives         uint64 // NAT-keepalives received and dropped
	SendErrors         uint64 // packets the UDP socket refused
	TUNErrors          uint64 // failed TUN reads and packets TUN writes dropped
}

// counters are the live, atomically updated form of Stats.
type counters struct {
	txPackets, txBytes, rxPackets, rxBytes               atomic.Uint64
	replayDrops, authFailures, unknownSPI, malformed     atomic.Uint64
	seqExhausted, ike, keepalives, sendErrors, tunErrors atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		TxPackets: c.txPackets.Load(), TxBytes: c.txBytes.Load(),
		RxPackets: c.rxPackets.Load(), RxBytes: c.rxBytes.Load(),
		ReplayDrops: c.replayDrops.Load(), AuthFailures: c.authFailures.Load(),
		UnknownSPI: c.unknownSPI.Load(), Malformed: c.malformed.Load(),
		SeqExhausted: c.seqExhausted.Load(), IKE: c.ike.Load(),
		Keepalives: c.keepalives.Load(), SendErrors: c.sendErrors.Load(),
		TUNErrors: c.tunErrors.Load(),
	}
}
