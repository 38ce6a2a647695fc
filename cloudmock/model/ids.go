package model

import (
	"crypto/rand"
	"encoding/hex"
)

// newID returns an ID shaped like AWS's: a prefix, a dash and 17 hex digits.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html — long (17 hex digit) resource IDs
func newID(prefix string) string {
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("model: crypto/rand failed: " + err.Error())
	}
	return prefix + "-" + hex.EncodeToString(b[:])[:17]
}
