package esp

import (
	"errors"
	"fmt"
	"net/netip"
)

// Protocol constants of ESP with AES-GCM-16 (RFC 4303, RFC 4106).
const (
	// HeaderLen is the ESP header (SPI, sequence number) plus the 8-byte
	// explicit IV that AES-GCM carries in front of the ciphertext.
	HeaderLen = 4 + 4 + ivLen
	// ICVLen is the AES-GCM integrity check value length (RFC 4106 section 6:
	// implementations MUST support 16 octets; it is the only one we use).
	ICVLen = 16
	// MaxOverhead is the most bytes Seal adds to a payload: header, up to 3
	// pad bytes, pad length, next header and the ICV.
	MaxOverhead = HeaderLen + 3 + 2 + ICVLen

	// NextHeaderIPv4 is the next-header value of an IPv4 inner packet.
	NextHeaderIPv4 = 4
	// NextHeaderIPv6 is the next-header value of an IPv6 inner packet.
	NextHeaderIPv6 = 41

	// DefaultReplayWindow is the anti-replay window used when SA.ReplayWindow
	// is zero (RFC 4303 section 3.4.3: a window of 64 SHOULD be the default).
	DefaultReplayWindow = 64
	// MaxReplayWindow is the largest anti-replay window an SA may ask for.
	MaxReplayWindow = 4096

	ivLen   = 8
	saltLen = 4
)

// SA is the configuration of one security association, shaped so that an
// IKEv2 daemon can fill it from a CHILD_SA negotiation (the keying material
// for ENCR_AES_GCM_16 is Key||Salt, RFC 4106 section 8.1).
type SA struct {
	// SPI identifies the SA on the wire; zero is reserved (RFC 4303 2.1).
	SPI uint32
	// Key is the AES key: 16 bytes (AES-128) or 32 bytes (AES-256).
	Key []byte
	// Salt is the 4-byte nonce salt of RFC 4106 section 4.
	Salt [4]byte
	// ESN enables 64-bit extended sequence numbers (RFC 4303 section 2.2.1).
	ESN bool
	// ReplayWindow is the anti-replay window in packets for an inbound SA;
	// 0 means DefaultReplayWindow, at most MaxReplayWindow.
	ReplayWindow int
	// Local and Remote are the outer UDP endpoints (RFC 3948, port 4500).
	Local, Remote netip.AddrPort
}

// Validate reports the first problem with the SA's configuration, endpoints
// included. The codec (NewOutbound, NewInbound) checks only the fields it uses.
func (sa *SA) Validate() error {
	if err := sa.validateCrypto(); err != nil {
		return err
	}
	return sa.validateEndpoints()
}

func (sa *SA) validateCrypto() error {
	if sa.SPI == 0 {
		return errors.New("validate SA: SPI 0 is reserved (RFC 4303 section 2.1)")
	}
	if n := len(sa.Key); n != 16 && n != 32 {
		return fmt.Errorf("validate SA %#08x: AES-GCM key is %d bytes, want 16 or 32", sa.SPI, n)
	}
	if sa.ReplayWindow < 0 || sa.ReplayWindow > MaxReplayWindow {
		return fmt.Errorf("validate SA %#08x: replay window %d out of range 0..%d", sa.SPI, sa.ReplayWindow, MaxReplayWindow)
	}
	return nil
}

func (sa *SA) validateEndpoints() error {
	for _, ep := range []struct {
		name string
		ap   netip.AddrPort
	}{{"local", sa.Local}, {"remote", sa.Remote}} {
		if !ep.ap.IsValid() || ep.ap.Port() == 0 {
			return fmt.Errorf("validate SA %#08x: %s endpoint %q is not an address with a port", sa.SPI, ep.name, ep.ap)
		}
		if ep.ap.Addr().IsUnspecified() && ep.name == "remote" {
			return fmt.Errorf("validate SA %#08x: remote endpoint %s is unspecified", sa.SPI, ep.ap)
		}
	}
	if sa.Local.Addr().Unmap().Is4() != sa.Remote.Addr().Unmap().Is4() {
		return fmt.Errorf("validate SA %#08x: local %s and remote %s are different address families", sa.SPI, sa.Local, sa.Remote)
	}
	return nil
}

func (sa *SA) window() int {
	if sa.ReplayWindow == 0 {
		return DefaultReplayWindow
	}
	return sa.ReplayWindow
}
