package cloud

import (
	"context"
	"net/netip"
	"time"
)

// ThreatDetection is an account's threat detection service in one region
// (on AWS, GuardDuty): a detector fed a threat list, the findings it
// raises about callers on that list, and the block the controller puts
// in the network ACL of the subnet a caller probed. Implementations are
// safe for concurrent use.
type ThreatDetection interface {
	// Ensure turns detection on, with the threat list name read from
	// location (active). It is idempotent: it returns the calls it made,
	// none when all was in place.
	Ensure(ctx context.Context, name, location string) ([]Call, error)
	// Callers returns the callers that unarchived findings of the
	// custom threat list name.
	Callers(ctx context.Context) ([]MaliciousCaller, error)
	// Block denies all inbound traffic from addr in the network ACL of
	// subnet (the cloud's subnet ID), ahead of its allow rules. It is
	// idempotent: with a deny entry for addr in place it returns no call
	// and the entry's rule number.
	Block(ctx context.Context, subnet string, addr netip.Addr) (rule int, call *Call, err error)
}

// ThreatDetector is a Provider with threat detection.
type ThreatDetector interface {
	// ThreatDetection returns the service of the account in region ("" is
	// the home region).
	ThreatDetection(region string) ThreatDetection
}

// MaliciousCaller is one address a finding says an instance talked to.
type MaliciousCaller struct {
	FindingID string
	Instance  string // the cloud's instance ID
	Subnet    string // the cloud's subnet ID of its first interface
	Remote    netip.Addr
	Count     int       // occurrences
	FirstSeen time.Time // the first occurrence; zero if the finding does not say
}
