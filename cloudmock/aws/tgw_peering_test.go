package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// accountClient is a client of account cred signing for region.
func accountClient(l *lab, c *ec2.Client, region string) *ec2.Client {
	return ec2.New(ec2.Options{Region: region, BaseEndpoint: sdkaws.String(l.url), Credentials: c.Options().Credentials, RetryMaxAttempts: 1})
}

func peeringIDs(t *testing.T, c *ec2.Client, fs ...types.Filter) []string {
	t.Helper()
	out := must[*ec2.DescribeTransitGatewayPeeringAttachmentsOutput](t)(c.DescribeTransitGatewayPeeringAttachments(ctx, &ec2.DescribeTransitGatewayPeeringAttachmentsInput{Filters: fs}))
	var ids []string
	for _, a := range out.TransitGatewayPeeringAttachments {
		ids = append(ids, *a.TransitGatewayAttachmentId)
	}
	return ids
}

// TestTGWPeeringAcrossAccountsAndRegions peers account A's transit
// gateway in us-east-1 with account B's in eu-west-1: the request waits
// for B, in B's region only; B accepts it; each side sees it from its own
// gateway, associates it with its own table and routes to it statically,
// and it refuses propagation.
func TestTGWPeeringAcrossAccountsAndRegions(t *testing.T) {
	l := newLab(t)
	bEU := accountClient(l, l.b, "eu-west-1")
	tgw1 := *must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	tgw2 := *must[*ec2.CreateTransitGatewayOutput](t)(bEU.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	in := &ec2.CreateTransitGatewayPeeringAttachmentInput{TransitGatewayId: tgw1.TransitGatewayId, PeerTransitGatewayId: tgw2.TransitGatewayId,
		PeerAccountId: sdkaws.String(credB.AccountID), PeerRegion: sdkaws.String("us-west-2")}
	_, err := l.a.CreateTransitGatewayPeeringAttachment(ctx, in)
	wantAPIError(t, err, "InvalidTransitGatewayID.NotFound") // not in that region
	in.PeerRegion = sdkaws.String("eu-west-1")
	in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeTransitGatewayAttachment, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("transatlantic")}}}}
	p := must[*ec2.CreateTransitGatewayPeeringAttachmentOutput](t)(l.a.CreateTransitGatewayPeeringAttachment(ctx, in)).TransitGatewayPeeringAttachment
	id := *p.TransitGatewayAttachmentId
	if p.State != types.TransitGatewayAttachmentStateInitiatingRequest || *p.AccepterTgwInfo.OwnerId != credB.AccountID || *p.AccepterTgwInfo.Region != "eu-west-1" ||
		*p.RequesterTgwInfo.Region != "us-east-1" || *p.RequesterTgwInfo.TransitGatewayId != *tgw1.TransitGatewayId || len(p.Tags) != 1 {
		t.Fatalf("created %+v", p)
	}
	for _, f := range [][]types.Filter{{filter("state", "pendingAcceptance")}, {filter("local-owner-id", credA.AccountID)}, {filter("remote-owner-id", credB.AccountID)},
		{filter("transit-gateway-id", *tgw1.TransitGatewayId)}, {filter("tag:Name", "transatlantic")}, {filter("tag-key", "Name")}, {filter("transit-gateway-attachment-id", id)}} {
		if got := peeringIDs(t, l.a, f...); len(got) != 1 || got[0] != id {
			t.Fatalf("A with %s=%v: %v", *f[0].Name, f[0].Values, got)
		}
	}
	if got := peeringIDs(t, l.a, filter("remote-owner-id", credA.AccountID)); len(got) != 0 {
		t.Fatalf("remote-owner-id A matched %v", got)
	}
	if got := peeringIDs(t, bEU, filter("local-owner-id", credB.AccountID), filter("state", "pendingAcceptance")); len(got) != 1 {
		t.Fatalf("B in eu-west-1 sees %v", got)
	}
	if got := peeringIDs(t, l.b); len(got) != 0 {
		t.Fatalf("B in us-east-1 sees %v", got)
	}
	_, err = l.a.AcceptTransitGatewayPeeringAttachment(ctx, &ec2.AcceptTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: &id})
	wantAPIError(t, err, "IncorrectState") // only the accepter accepts
	_, err = l.b.AcceptTransitGatewayPeeringAttachment(ctx, &ec2.AcceptTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: &id})
	wantAPIError(t, err, "InvalidTransitGatewayAttachmentID.NotFound") // not in B's us-east-1
	acc := must[*ec2.AcceptTransitGatewayPeeringAttachmentOutput](t)(bEU.AcceptTransitGatewayPeeringAttachment(ctx, &ec2.AcceptTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: &id})).TransitGatewayPeeringAttachment
	if acc.State != types.TransitGatewayAttachmentStatePending {
		t.Fatalf("accept answered %s", acc.State)
	}
	if got := peeringIDs(t, l.a, filter("state", "available")); len(got) != 1 {
		t.Fatalf("A sees available %v", got)
	}
	checkPeeringAttachmentSides(t, l.a, bEU, id, tgw1, tgw2)
}

// checkPeeringAttachmentSides checks an accepted peering attachment from
// both sides through DescribeTransitGatewayAttachments, associations,
// static routes and refused propagation, then deletes it.
func checkPeeringAttachmentSides(t *testing.T, a, b *ec2.Client, id string, tgw1, tgw2 types.TransitGateway) {
	for _, side := range []struct {
		c           *ec2.Client
		own, peer   types.TransitGateway
		owner, peeR string
	}{{a, tgw1, tgw2, credA.AccountID, credB.AccountID}, {b, tgw2, tgw1, credB.AccountID, credA.AccountID}} {
		atts := must[*ec2.DescribeTransitGatewayAttachmentsOutput](t)(side.c.DescribeTransitGatewayAttachments(ctx, &ec2.DescribeTransitGatewayAttachmentsInput{
			Filters: []types.Filter{filter("resource-type", "peering")}})).TransitGatewayAttachments
		if len(atts) != 1 || *atts[0].TransitGatewayId != *side.own.TransitGatewayId || *atts[0].ResourceId != *side.peer.TransitGatewayId ||
			*atts[0].ResourceOwnerId != side.peeR || *atts[0].TransitGatewayOwnerId != side.owner || atts[0].Association != nil {
			t.Fatalf("%s sees attachments %+v", side.owner, atts)
		}
		rt := side.own.Options.AssociationDefaultRouteTableId
		_, err := side.c.EnableTransitGatewayRouteTablePropagation(ctx, &ec2.EnableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: rt, TransitGatewayAttachmentId: &id})
		wantAPIError(t, err, "IncorrectState")
		as := must[*ec2.AssociateTransitGatewayRouteTableOutput](t)(side.c.AssociateTransitGatewayRouteTable(ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: rt, TransitGatewayAttachmentId: &id})).Association
		if as.ResourceType != types.TransitGatewayAttachmentResourceTypePeering || *as.ResourceId != *side.peer.TransitGatewayId {
			t.Fatalf("association %+v", as)
		}
		r := must[*ec2.CreateTransitGatewayRouteOutput](t)(side.c.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: rt,
			DestinationCidrBlock: sdkaws.String("10.200.0.0/16"), TransitGatewayAttachmentId: &id})).Route
		if r.Type != types.TransitGatewayRouteTypeStatic || r.TransitGatewayAttachments[0].ResourceType != types.TransitGatewayAttachmentResourceTypePeering {
			t.Fatalf("route %+v", r)
		}
		atts = must[*ec2.DescribeTransitGatewayAttachmentsOutput](t)(side.c.DescribeTransitGatewayAttachments(ctx, &ec2.DescribeTransitGatewayAttachmentsInput{
			Filters: []types.Filter{filter("association.transit-gateway-route-table-id", *rt)}})).TransitGatewayAttachments
		if len(atts) != 1 || *atts[0].TransitGatewayAttachmentId != id {
			t.Fatalf("%s associated attachments %+v", side.owner, atts)
		}
	}
	del := must[*ec2.DeleteTransitGatewayPeeringAttachmentOutput](t)(b.DeleteTransitGatewayPeeringAttachment(ctx, &ec2.DeleteTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: &id})).TransitGatewayPeeringAttachment
	if del.State != types.TransitGatewayAttachmentStateDeleting {
		t.Fatalf("delete answered %s", del.State)
	}
	if got := peeringIDs(t, a); len(got) != 0 {
		t.Fatalf("after delete A sees %v", got)
	}
	routes := must[*ec2.SearchTransitGatewayRoutesOutput](t)(a.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: tgw1.Options.AssociationDefaultRouteTableId,
		Filters: []types.Filter{filter("type", "static")}})).Routes
	if len(routes) != 0 {
		t.Fatalf("static routes to the deleted attachment stay: %+v", routes)
	}
}

// TestTGWPeeringReject: the accepter rejects a request in its account,
// which then shows rejected; it can be neither accepted nor associated.
func TestTGWPeeringReject(t *testing.T) {
	l := newLab(t)
	tgw1 := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	tgw2 := must[*ec2.CreateTransitGatewayOutput](t)(l.b.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	id := must[*ec2.CreateTransitGatewayPeeringAttachmentOutput](t)(l.a.CreateTransitGatewayPeeringAttachment(ctx, &ec2.CreateTransitGatewayPeeringAttachmentInput{
		TransitGatewayId: tgw1.TransitGatewayId, PeerTransitGatewayId: tgw2.TransitGatewayId, PeerAccountId: sdkaws.String(credB.AccountID),
		PeerRegion: sdkaws.String("us-east-1")})).TransitGatewayPeeringAttachment.TransitGatewayAttachmentId
	_, err := l.b.AssociateTransitGatewayRouteTable(ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: tgw2.Options.AssociationDefaultRouteTableId, TransitGatewayAttachmentId: id})
	wantAPIError(t, err, "IncorrectState") // not accepted yet
	_, err = l.a.RejectTransitGatewayPeeringAttachment(ctx, &ec2.RejectTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: id})
	wantAPIError(t, err, "IncorrectState")
	rej := must[*ec2.RejectTransitGatewayPeeringAttachmentOutput](t)(l.b.RejectTransitGatewayPeeringAttachment(ctx, &ec2.RejectTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: id})).TransitGatewayPeeringAttachment
	if rej.State != types.TransitGatewayAttachmentStateRejecting {
		t.Fatalf("reject answered %s", rej.State)
	}
	if got := peeringIDs(t, l.a, filter("state", "rejected")); len(got) != 1 {
		t.Fatalf("rejected: %v", got)
	}
	_, err = l.b.AcceptTransitGatewayPeeringAttachment(ctx, &ec2.AcceptTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: id})
	wantAPIError(t, err, "IncorrectState")
	_, err = l.a.CreateTransitGatewayPeeringAttachment(ctx, &ec2.CreateTransitGatewayPeeringAttachmentInput{TransitGatewayId: tgw1.TransitGatewayId,
		PeerTransitGatewayId: tgw2.TransitGatewayId, PeerAccountId: sdkaws.String(credA.AccountID), PeerRegion: sdkaws.String("us-east-1")})
	wantAPIError(t, err, "InvalidTransitGatewayID.NotFound") // tgw2 is not A's
	_, err = l.a.DescribeTransitGatewayPeeringAttachments(ctx, &ec2.DescribeTransitGatewayPeeringAttachmentsInput{Filters: []types.Filter{filter("vpc-id", "x")}})
	wantAPIError(t, err, "InvalidParameterValue")
}

// TestTGWPeeringOneAccountTwoRegions: one account peers its gateways of
// two regions; it sees the attachment in both, from each region's side,
// and accepts it only in the accepter gateway's region.
func TestTGWPeeringOneAccountTwoRegions(t *testing.T) {
	l := newLab(t)
	eu := accountClient(l, l.a, "eu-west-1")
	tgw1 := must[*ec2.CreateTransitGatewayOutput](t)(l.a.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	tgw2 := must[*ec2.CreateTransitGatewayOutput](t)(eu.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})).TransitGateway
	id := must[*ec2.CreateTransitGatewayPeeringAttachmentOutput](t)(l.a.CreateTransitGatewayPeeringAttachment(ctx, &ec2.CreateTransitGatewayPeeringAttachmentInput{
		TransitGatewayId: tgw1.TransitGatewayId, PeerTransitGatewayId: tgw2.TransitGatewayId, PeerAccountId: sdkaws.String(credA.AccountID),
		PeerRegion: sdkaws.String("eu-west-1")})).TransitGatewayPeeringAttachment.TransitGatewayAttachmentId
	_, err := l.a.AcceptTransitGatewayPeeringAttachment(ctx, &ec2.AcceptTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: id})
	wantAPIError(t, err, "IncorrectState") // not in the accepter's region
	must[*ec2.AcceptTransitGatewayPeeringAttachmentOutput](t)(eu.AcceptTransitGatewayPeeringAttachment(ctx, &ec2.AcceptTransitGatewayPeeringAttachmentInput{TransitGatewayAttachmentId: id}))
	for _, side := range []struct {
		c         *ec2.Client
		own, peer *string
	}{{l.a, tgw1.TransitGatewayId, tgw2.TransitGatewayId}, {eu, tgw2.TransitGatewayId, tgw1.TransitGatewayId}} {
		atts := must[*ec2.DescribeTransitGatewayAttachmentsOutput](t)(side.c.DescribeTransitGatewayAttachments(ctx, &ec2.DescribeTransitGatewayAttachmentsInput{
			Filters: []types.Filter{filter("resource-type", "peering"), filter("state", "available")}})).TransitGatewayAttachments
		if len(atts) != 1 || *atts[0].TransitGatewayId != *side.own || *atts[0].ResourceId != *side.peer {
			t.Fatalf("side of %s sees %+v", *side.own, atts)
		}
	}
}
