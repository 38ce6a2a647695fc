package esp

import (
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// UDP segmentation offload (UDP_SEGMENT, Linux 4.18) and receive offload
// (UDP_GRO, Linux 5.0), as wireguard-go's conn.StdNetBind uses them: one
// sendmsg carries up to udpSegmentMax equal-sized ESP packets back to back
// and the kernel cuts them into datagrams as late as it can (on veth and
// loopback, only at the receiving socket); a socket with UDP_GRO receives
// such a train as one buffer plus its segment size in a control message.
// Each datagram on the wire is still one ESP packet.

const (
	// udpSegmentMax is the most datagrams one UDP_SEGMENT send may carry
	// (the kernel's UDP_MAX_SEGMENTS).
	udpSegmentMax = 64
	// maxUDPPayload is the most bytes one UDP send carries: an IPv4
	// datagram's 65535 less the IP and UDP headers (IPv6 allows 8 more;
	// we keep one bound for both).
	maxUDPPayload = 65535 - 20 - 8
	// sizeofGSO is the size of the UDP_SEGMENT and UDP_GRO data, a uint16.
	sizeofGSO = 2
)

// gsoControlLen is the control buffer that one UDP_SEGMENT or UDP_GRO
// message needs.
var gsoControlLen = unix.CmsgSpace(sizeofGSO)

// enableUDPOffload turns UDP_GRO on for c and reports whether the kernel
// supports UDP_SEGMENT on it (wireguard-go's supportsUDPOffload). Either
// failing just means the engine moves one datagram per message.
func enableUDPOffload(c *net.UDPConn) (gso, gro bool) {
	rc, err := c.SyscallConn()
	if err != nil {
		return false, false
	}
	_ = rc.Control(func(fd uintptr) {
		_, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT)
		gso = err == nil
		gro = unix.SetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_GRO, 1) == nil
	})
	return gso, gro
}

// putGSOSize writes a UDP_SEGMENT control message for segments of size
// into oob, which must hold gsoControlLen bytes, and returns it.
func putGSOSize(oob []byte, size int) []byte {
	oob = oob[:gsoControlLen]
	clear(oob)
	hdr := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	hdr.Level = unix.SOL_UDP
	hdr.Type = unix.UDP_SEGMENT
	hdr.SetLen(unix.CmsgLen(sizeofGSO))
	v := uint16(size)
	copy(oob[unix.CmsgLen(0):], unsafe.Slice((*byte)(unsafe.Pointer(&v)), sizeofGSO))
	return oob
}

// groSize returns the segment size in a received UDP_GRO control message,
// or 0 when the datagram was not coalesced.
func groSize(oob []byte) int {
	for len(oob) > unix.SizeofCmsghdr {
		hdr, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			return 0
		}
		if hdr.Level == unix.SOL_UDP && hdr.Type == unix.UDP_GRO && len(data) >= sizeofGSO {
			var v uint16
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&v)), sizeofGSO), data)
			return int(v)
		}
		oob = rest
	}
	return 0
}

// setSocketBuffers asks for socketBuffer bytes of send and receive buffer,
// as wireguard-go does: large buffers absorb the bursts that a descheduled
// decrypting goroutine leaves behind (each lost UDP_GRO train is dozens of
// lost packets). The kernel caps SO_RCVBUF at net.core.rmem_max; with
// CAP_NET_ADMIN the FORCE variants lift the cap. Failure is harmless.
func setSocketBuffers(c *net.UDPConn) {
	_ = c.SetReadBuffer(socketBuffer)
	_ = c.SetWriteBuffer(socketBuffer)
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, socketBuffer)
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, socketBuffer)
	})
}
