// Package capture records packets on one interface of a network namespace
// into a pcap file that tshark and Wireshark open: an AF_PACKET socket
// (github.com/mdlayher/packet, no cgo) whose kernel filter is compiled
// here from a tcpdump-style expression (Filter) to classic BPF
// (golang.org/x/net/bpf), and a pcap savefile writer (pcap.go). A tunnel's TUN
// interface gives the inner IP packets (link type RAW), an Ethernet
// interface the frames as they cross it (the underlay's encrypted
// WireGuard or ESP packets). Manager runs captures in the background for
// a gateway's management API.
//
// Why not pcapgo.EthernetHandle for reading: it blocks in recvmsg with
// no deadline and owns its socket privately, so a capture on a quiet
// interface could never be stopped; packet.Conn reads through Go's poller
// and honours deadlines. Why not a third-party filter compiler: the
// pure-Go one available (github.com/packetcap/go-pcap/filter) compiles
// "icmp" and "esp" to accept-all.
package capture
