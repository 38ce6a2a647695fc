// Package handle derives the short handles that name an emulated cloud
// object's kernel objects (namespaces, links) from its provider ID. A
// handle is a hash, not a parse: it works for any ID shape (AWS's
// vpc-0abc…, Azure's resource paths, GCP's self links, OCI's OCIDs). The
// cloud model records each object's handle and refuses two objects with
// one handle, so a handle names one object of a cloud. This package
// imports nothing of mcnlab.
package handle

import (
	"crypto/sha256"
	"encoding/hex"
)

// Len is the length of a handle: eight hex digits, so that a kernel
// interface name (at most 15 bytes) holds a short prefix and a handle.
const Len = 8

// Of returns the handle of the object with the given ID: the first Len hex
// digits of the SHA-256 of the ID. It is the same on every call and in
// every process.
func Of(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])[:Len]
}
