package model

import (
	"net/netip"
	"slices"
)

// CircuitSession is a circuit attachment's circuit and the state of the
// BGP session over it, as the dataplane records it.
type CircuitSession struct {
	// ID is the circuit's (a front-end's virtual circuit).
	ID string
	// Up: the session is Established.
	Up bool
	// Learned are the routes the session learned from the customer.
	Learned []netip.Prefix
}

// CreateTransitGatewayCircuitAttachment attaches a private virtual circuit
// to a transit gateway (an OCI DRG): the attachment brings the routes the
// circuit's BGP session learns to the tables that propagate it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — a private virtual circuit ends on a DRG, by a DRG attachment of type VIRTUAL_CIRCUIT
func (c *Cloud) CreateTransitGatewayCircuitAttachment(account string, at Place, tgwID, circuitID string, tags map[string]string) (TransitGatewayAttachment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.tgwLocked(account, tgwID)
	if err != nil {
		return TransitGatewayAttachment{}, err
	}
	at.Region = g.Region
	id, err := c.newIDLocked(account, KindTransitGatewayAttachment, at)
	if err != nil {
		return TransitGatewayAttachment{}, err
	}
	a := &TransitGatewayAttachment{ID: id, Account: account, TransitGatewayID: tgwID, Kind: AttachCircuit,
		Circuit: CircuitSession{ID: circuitID}, State: StateAvailable}
	c.attachLocked(g, a, at, tags)
	return a.copy(c), nil
}

// DeleteTransitGatewayCircuitAttachment detaches a circuit.
func (c *Cloud) DeleteTransitGatewayCircuitAttachment(account, attID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.tgwAtts[attID]
	if !ok || a.Account != account || a.Kind != AttachCircuit {
		return notFound(KindTransitGatewayAttachment, attID)
	}
	c.removeAttachmentLocked(a)
	return nil
}

// SetCircuitSession records a circuit attachment's BGP session: whether it
// is up and the routes it learned (none while it is down), which enter the
// tables the attachment propagates to. An attachment gone has nothing to
// record: that is no error.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — the DRG learns the on-premises routes over the circuit's BGP session
func (c *Cloud) SetCircuitSession(account, attID string, up bool, learned []netip.Prefix) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.tgwAtts[attID]
	if !ok {
		return nil
	}
	if a.Account != account || a.Kind != AttachCircuit {
		return notFound(KindTransitGatewayAttachment, attID)
	}
	if !up {
		learned = nil
	}
	if a.Circuit.Up == up && slices.Equal(a.Circuit.Learned, learned) {
		return nil
	}
	a.Circuit.Up, a.Circuit.Learned = up, slices.Clone(learned)
	c.emitLocked(KindTransitGatewayAttachment, OpUpdate, a.ID, account)
	for _, rt := range c.tgwRTs {
		if slices.Contains(rt.Propagations, a.ID) {
			c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, rt.Account)
		}
	}
	return nil
}
