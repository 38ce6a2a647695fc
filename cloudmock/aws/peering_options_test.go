package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The accepter rejects a request (rejected, "Rejected by" it), the
// requester cannot, nor can a rejected request be rejected or accepted
// again; each owner sets its side's AllowDnsResolutionFromRemoteVpc on an
// active peering, shown by Describe.
func TestRejectAndPeeringOptions(t *testing.T) {
	l := newLab(t)
	va := mkVpc(t, l.a, "10.0.0.0/16", "a")
	vb := mkVpc(t, l.b, "10.1.0.0/16", "b")
	req := func() string {
		return *must[*ec2.CreateVpcPeeringConnectionOutput](t)(l.a.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: va.VpcId,
			PeerVpcId: vb.VpcId, PeerOwnerId: sdkaws.String(credB.AccountID)})).VpcPeeringConnection.VpcPeeringConnectionId
	}
	pcx := req()
	_, err := l.a.RejectVpcPeeringConnection(ctx, &ec2.RejectVpcPeeringConnectionInput{VpcPeeringConnectionId: &pcx})
	wantAPIError(t, err, "OperationNotPermitted")
	must[*ec2.RejectVpcPeeringConnectionOutput](t)(l.b.RejectVpcPeeringConnection(ctx, &ec2.RejectVpcPeeringConnectionInput{VpcPeeringConnectionId: &pcx}))
	d := must[*ec2.DescribeVpcPeeringConnectionsOutput](t)(l.a.DescribeVpcPeeringConnections(ctx, &ec2.DescribeVpcPeeringConnectionsInput{
		Filters: []types.Filter{filter("status-code", "rejected")}})).VpcPeeringConnections
	if len(d) != 1 || *d[0].VpcPeeringConnectionId != pcx || sdkaws.ToString(d[0].Status.Message) != "Rejected by "+credB.AccountID {
		t.Fatalf("rejected: %+v", d)
	}
	_, err = l.b.RejectVpcPeeringConnection(ctx, &ec2.RejectVpcPeeringConnectionInput{VpcPeeringConnectionId: &pcx})
	wantAPIError(t, err, "InvalidStateTransition")
	_, err = l.b.AcceptVpcPeeringConnection(ctx, &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &pcx})
	if err == nil {
		t.Fatal("a rejected request was accepted")
	}

	pcx = req()
	_, err = l.a.ModifyVpcPeeringConnectionOptions(ctx, &ec2.ModifyVpcPeeringConnectionOptionsInput{VpcPeeringConnectionId: &pcx,
		RequesterPeeringConnectionOptions: &types.PeeringConnectionOptionsRequest{AllowDnsResolutionFromRemoteVpc: sdkaws.Bool(true)}})
	wantAPIError(t, err, "OperationNotPermitted")
	must[*ec2.AcceptVpcPeeringConnectionOutput](t)(l.b.AcceptVpcPeeringConnection(ctx, &ec2.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: &pcx}))
	m := must[*ec2.ModifyVpcPeeringConnectionOptionsOutput](t)(l.a.ModifyVpcPeeringConnectionOptions(ctx, &ec2.ModifyVpcPeeringConnectionOptionsInput{VpcPeeringConnectionId: &pcx,
		RequesterPeeringConnectionOptions: &types.PeeringConnectionOptionsRequest{AllowDnsResolutionFromRemoteVpc: sdkaws.Bool(true)}}))
	if m.RequesterPeeringConnectionOptions == nil || !sdkaws.ToBool(m.RequesterPeeringConnectionOptions.AllowDnsResolutionFromRemoteVpc) || m.AccepterPeeringConnectionOptions != nil {
		t.Fatalf("modify answer %+v", m)
	}
	_, err = l.a.ModifyVpcPeeringConnectionOptions(ctx, &ec2.ModifyVpcPeeringConnectionOptionsInput{VpcPeeringConnectionId: &pcx,
		AccepterPeeringConnectionOptions: &types.PeeringConnectionOptionsRequest{AllowDnsResolutionFromRemoteVpc: sdkaws.Bool(true)}})
	wantAPIError(t, err, "OperationNotPermitted")
	d = must[*ec2.DescribeVpcPeeringConnectionsOutput](t)(l.b.DescribeVpcPeeringConnections(ctx, &ec2.DescribeVpcPeeringConnectionsInput{VpcPeeringConnectionIds: []string{pcx}})).VpcPeeringConnections
	if o := d[0].RequesterVpcInfo.PeeringOptions; o == nil || !sdkaws.ToBool(o.AllowDnsResolutionFromRemoteVpc) || sdkaws.ToBool(d[0].AccepterVpcInfo.PeeringOptions.AllowDnsResolutionFromRemoteVpc) {
		t.Fatalf("described options %+v %+v", d[0].RequesterVpcInfo.PeeringOptions, d[0].AccepterVpcInfo.PeeringOptions)
	}
}
