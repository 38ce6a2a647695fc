package aws_test

import (
	"strings"
	"testing"
)

// TestTGWPeeringCLI peers two transit gateways, changes a gateway's
// options and a VPC attachment's with the real AWS CLI, as a user's script
// would, and reads the answers back.
func TestTGWPeeringCLI(t *testing.T) {
	eachCLI(t, cliTGWPeering)
}

func cliTGWPeering(t *testing.T, bin string) {
	l := newLab(t)
	run := cliRunner(t, bin, l)
	type tgw struct {
		TransitGateway struct{ TransitGatewayId string }
	}
	var g1, g2 tgw
	run(&g1, "create-transit-gateway", "--description", "east")
	run(&g2, "create-transit-gateway", "--description", "west")
	type peering struct {
		TransitGatewayPeeringAttachment struct {
			TransitGatewayAttachmentId, State string
			AccepterTgwInfo                   struct{ TransitGatewayId, OwnerId, Region string }
			Tags                              []struct{ Key, Value string }
		}
	}
	var p peering
	run(&p, "create-transit-gateway-peering-attachment", "--transit-gateway-id", g1.TransitGateway.TransitGatewayId,
		"--peer-transit-gateway-id", g2.TransitGateway.TransitGatewayId, "--peer-account-id", credA.AccountID, "--peer-region", "us-east-1",
		"--tag-specifications", "ResourceType=transit-gateway-attachment,Tags=[{Key=Name,Value=east-west}]")
	pa := p.TransitGatewayPeeringAttachment
	if pa.State != "initiatingRequest" || pa.AccepterTgwInfo.TransitGatewayId != g2.TransitGateway.TransitGatewayId || pa.AccepterTgwInfo.Region != "us-east-1" ||
		len(pa.Tags) != 1 {
		t.Fatalf("created %+v", pa)
	}
	id := pa.TransitGatewayAttachmentId
	var d struct {
		TransitGatewayPeeringAttachments []struct{ TransitGatewayAttachmentId, State string }
	}
	run(&d, "describe-transit-gateway-peering-attachments", "--filters", "Name=state,Values=pendingAcceptance", "Name=tag:Name,Values=east-west")
	if len(d.TransitGatewayPeeringAttachments) != 1 || d.TransitGatewayPeeringAttachments[0].TransitGatewayAttachmentId != id {
		t.Fatalf("pending: %+v", d)
	}
	run(&p, "accept-transit-gateway-peering-attachment", "--transit-gateway-attachment-id", id)
	if p.TransitGatewayPeeringAttachment.State != "pending" {
		t.Fatalf("accept answered %s", p.TransitGatewayPeeringAttachment.State)
	}
	if out := run(nil, "reject-transit-gateway-peering-attachment", "--transit-gateway-attachment-id", id); !strings.Contains(out, "IncorrectState") {
		t.Fatalf("rejecting an accepted peering: %s", out)
	}
	var atts struct {
		TransitGatewayAttachments []struct{ ResourceType, State string }
	}
	run(&atts, "describe-transit-gateway-attachments", "--filters", "Name=resource-type,Values=peering")
	if len(atts.TransitGatewayAttachments) != 1 || atts.TransitGatewayAttachments[0].State != "available" {
		t.Fatalf("peering attachments: %+v", atts)
	}
	var m struct {
		TransitGateway struct {
			Options struct {
				DnsSupport               string
				TransitGatewayCidrBlocks []string
			}
		}
	}
	run(&m, "modify-transit-gateway", "--transit-gateway-id", g1.TransitGateway.TransitGatewayId, "--options", "DnsSupport=disable,AddTransitGatewayCidrBlocks=10.99.0.0/24")
	if o := m.TransitGateway.Options; o.DnsSupport != "disable" || len(o.TransitGatewayCidrBlocks) != 1 || o.TransitGatewayCidrBlocks[0] != "10.99.0.0/24" {
		t.Fatalf("modified options %+v", o)
	}
	run(&p, "delete-transit-gateway-peering-attachment", "--transit-gateway-attachment-id", id)
	if p.TransitGatewayPeeringAttachment.State != "deleting" {
		t.Fatalf("delete answered %s", p.TransitGatewayPeeringAttachment.State)
	}
}
