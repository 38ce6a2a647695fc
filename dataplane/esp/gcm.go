package esp

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"sync"
)

// gcmSA is the part of an SA both directions share: the AEAD, the salt, and
// how the AAD is built.
type gcmSA struct {
	spi  uint32
	salt [saltLen]byte
	esn  bool
	aead cipher.AEAD
	// scratch holds *scratch values so that the nonce and AAD, which the
	// AEAD interface call would otherwise move to the heap, cost no
	// allocation per packet.
	scratch sync.Pool
}

// scratch is per-call memory for the GCM nonce and the ESP AAD.
type scratch struct {
	nonce [saltLen + ivLen]byte
	aad   [12]byte
}

func newGCMSA(sa *SA) (*gcmSA, error) {
	if err := sa.validateCrypto(); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sa.Key)
	if err != nil {
		return nil, fmt.Errorf("SA %#08x: AES key: %w", sa.SPI, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("SA %#08x: GCM: %w", sa.SPI, err)
	}
	g := &gcmSA{spi: sa.SPI, salt: sa.Salt, esn: sa.ESN, aead: aead}
	g.scratch.New = func() any { return new(scratch) }
	return g, nil
}

// prepare fills a scratch with the nonce salt||iv (RFC 4106 section 4) and
// the AAD (RFC 4106 section 5): SPI||seq-low, or SPI||seq-high||seq-low with
// ESN. It returns the AAD slice inside s.
func (g *gcmSA) prepare(s *scratch, iv []byte, seq uint64) []byte {
	copy(s.nonce[:saltLen], g.salt[:])
	copy(s.nonce[saltLen:], iv)
	binary.BigEndian.PutUint32(s.aad[0:], g.spi)
	if g.esn {
		binary.BigEndian.PutUint32(s.aad[4:], uint32(seq>>32))
		binary.BigEndian.PutUint32(s.aad[8:], uint32(seq))
		return s.aad[:12]
	}
	binary.BigEndian.PutUint32(s.aad[4:], uint32(seq))
	return s.aad[:8]
}
