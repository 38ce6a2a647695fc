package model

import (
	"testing"
	"time"
)

// A request not accepted within PeeringRequestLife shows expired and can
// no longer be accepted or rejected.
func TestPeeringRequestExpires(t *testing.T) {
	c := newCloud(t)
	a := mustNetwork(t, c, "10.0.0.0/16")
	b := mustNetwork(t, c, "10.1.0.0/16")
	p, err := c.RequestPeering(acct, a.ID, "", b.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.peerings[p.ID].RequestedAt = time.Now().Add(-PeeringRequestLife - time.Minute)
	c.mu.Unlock()
	if got := c.Peerings(acct)[0].State; got != PeeringExpired {
		t.Fatalf("state %s, want expired", got)
	}
	if _, err := c.AcceptPeering(acct, p.ID); CodeOf(err) != CodeIncorrectState {
		t.Fatalf("accept an expired request: %v", err)
	}
	if _, err := c.RejectPeering(acct, p.ID); CodeOf(err) != CodeIncorrectState {
		t.Fatalf("reject an expired request: %v", err)
	}
}
