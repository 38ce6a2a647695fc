package model

import "slices"

// DisableTransitGatewayRouteTablePropagation stops the attachment's
// routes from propagating to the table; its propagated routes leave the
// table. An attachment that does not propagate to it is CodeNotAssociated.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisableTransitGatewayRouteTablePropagation.html — disables the specified resource attachment from propagating routes to the specified propagation route table
func (c *Cloud) DisableTransitGatewayRouteTablePropagation(account, rtID, attID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, a, err := c.rtAndAttachmentLocked(account, rtID, attID)
	if err != nil {
		return err
	}
	i := slices.Index(rt.Propagations, a.ID)
	if i < 0 {
		return errf(CodeNotAssociated, KindTransitGatewayAttachment, attID, "attachment %s does not propagate to %s", attID, rtID)
	}
	rt.Propagations = slices.Delete(rt.Propagations, i, i+1)
	c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, account)
	return nil
}
