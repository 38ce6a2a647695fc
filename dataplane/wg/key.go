package wg

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/curve25519"
)

// Key is a Curve25519 private or public key.
type Key [32]byte

// GenerateKey returns a new random private key, clamped as RFC 7748 asks.
func GenerateKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return Key{}, fmt.Errorf("generate wireguard key: %w", err)
	}
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
	return k, nil
}

// PublicKey returns the public key of private key k.
func (k Key) PublicKey() Key {
	var pub Key
	curve25519.ScalarBaseMult((*[32]byte)(&pub), (*[32]byte)(&k))
	return pub
}

// String returns the key in base64, as the wg tool prints it.
func (k Key) String() string { return base64.StdEncoding.EncodeToString(k[:]) }

// IsZero reports whether k is unset.
func (k Key) IsZero() bool { return k == Key{} }

// hex is the key's UAPI form.
func (k Key) hex() string { return hex.EncodeToString(k[:]) }

// ParseKey parses a base64 key as printed by String or the wg tool.
func ParseKey(s string) (Key, error) {
	var k Key
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return k, fmt.Errorf("parse wireguard key %q: %w", s, err)
	}
	if len(b) != len(k) {
		return k, fmt.Errorf("parse wireguard key %q: %d bytes, want 32", s, len(b))
	}
	copy(k[:], b)
	return k, nil
}

func parseHexKey(s string) (Key, error) {
	var k Key
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(k) {
		return k, fmt.Errorf("parse hex key %q: want 64 hex digits", s)
	}
	copy(k[:], b)
	return k, nil
}
