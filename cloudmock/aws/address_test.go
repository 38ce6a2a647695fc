package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

func TestElasticIPAssociation(t *testing.T) {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	run := must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: sub.SubnetId}))
	inst := run.Instances[0]
	eip := must[*ec2.AllocateAddressOutput](t)(l.a.AllocateAddress(ctx, &ec2.AllocateAddressInput{}))
	as := must[*ec2.AssociateAddressOutput](t)(l.a.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: inst.InstanceId}))
	if sdkaws.ToString(as.AssociationId) == "" {
		t.Fatal("AssociateAddress returned no association ID")
	}
	d := must[*ec2.DescribeAddressesOutput](t)(l.a.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}}))
	a := d.Addresses[0]
	if sdkaws.ToString(a.InstanceId) != *inst.InstanceId || sdkaws.ToString(a.AssociationId) != *as.AssociationId || sdkaws.ToString(a.PrivateIpAddress) != *inst.PrivateIpAddress {
		t.Errorf("described address %+v; want it associated with %s (%s)", a, *inst.InstanceId, *inst.PrivateIpAddress)
	}
	// AWS: an address in use is not moved without AllowReassociation.
	_, err := l.a.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: inst.InstanceId})
	wantAPIError(t, err, "Resource.AlreadyAssociated")
	_, err = l.a.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId})
	wantAPIError(t, err, "MissingParameter")
	_, err = l.a.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: sdkaws.String("eipassoc-0123456789abcdef0")})
	wantAPIError(t, err, "InvalidAssociationID.NotFound")
	// Terminating the instance disassociates the address.
	must[*ec2.TerminateInstancesOutput](t)(l.a.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{*inst.InstanceId}}))
	d = must[*ec2.DescribeAddressesOutput](t)(l.a.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}}))
	if d.Addresses[0].AssociationId != nil {
		t.Errorf("address still associated after its instance terminated: %+v", d.Addresses[0])
	}
	// Disassociate works on a live association.
	run = must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: sub.SubnetId}))
	as = must[*ec2.AssociateAddressOutput](t)(l.a.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: run.Instances[0].InstanceId}))
	must[*ec2.DisassociateAddressOutput](t)(l.a.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: as.AssociationId}))
	_, err = l.a.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: as.AssociationId})
	wantAPIError(t, err, "InvalidAssociationID.NotFound") // the association is gone
}
