package aws_test

import (
	"net/netip"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// resv makes a subnet CIDR reservation through the SDK.
func resv(c *ec2.Client, subnet, cidr string, typ types.SubnetCidrReservationType, tags ...types.Tag) (*ec2.CreateSubnetCidrReservationOutput, error) {
	in := &ec2.CreateSubnetCidrReservationInput{SubnetId: sdkaws.String(subnet), Cidr: sdkaws.String(cidr), ReservationType: typ,
		Description: sdkaws.String("kept for " + cidr)}
	if len(tags) > 0 {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeSubnetCidrReservation, Tags: tags}}
	}
	return c.CreateSubnetCidrReservation(ctx, in)
}

// Subnet CIDR reservations through the Go SDK: made canonical, listed by
// family with their filters, refused outside the subnet or over another
// reservation, deleted; the addresses of a reservation are never picked
// for an interface that names none, and may be named.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-cidr-reservation.html
func TestSubnetCidrReservationsSDK(t *testing.T) {
	l := newLab(t)
	c := l.a
	vpc, block := ipv6VPC(t, c)
	sub := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.0.1.0/24"),
		Ipv6CidrBlock: sdkaws.String(nth64(block, 0).String())})).Subnet
	id := *sub.SubnetId

	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnetCidrReservation.html — Cidr: IPv4 or IPv6; host bits are cleared as for the other CIDR parameters
	v4 := must[*ec2.CreateSubnetCidrReservationOutput](t)(resv(c, id, "10.0.1.7/28", types.SubnetCidrReservationTypeExplicit,
		types.Tag{Key: sdkaws.String("Name"), Value: sdkaws.String("appliances")})).SubnetCidrReservation
	if *v4.Cidr != "10.0.1.0/28" || v4.ReservationType != types.SubnetCidrReservationTypeExplicit || *v4.SubnetId != id ||
		*v4.OwnerId != "111111111111" || *v4.Description != "kept for 10.0.1.7/28" || len(v4.Tags) != 1 {
		t.Fatalf("CreateSubnetCidrReservation: %+v", v4)
	}
	v6cidr := netip.PrefixFrom(nth64(block, 0).Addr(), 120)
	v6 := must[*ec2.CreateSubnetCidrReservationOutput](t)(resv(c, id, v6cidr.String(), types.SubnetCidrReservationTypePrefix)).SubnetCidrReservation
	if v6.ReservationType != types.SubnetCidrReservationTypePrefix || *v6.Cidr != v6cidr.String() {
		t.Fatalf("IPv6 reservation: %+v", v6)
	}
	pfx := must[*ec2.CreateSubnetCidrReservationOutput](t)(resv(c, id, "10.0.1.128/28", types.SubnetCidrReservationTypePrefix)).SubnetCidrReservation

	_, err := resv(c, id, "10.0.2.0/28", types.SubnetCidrReservationTypeExplicit)
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = resv(c, id, "10.0.0.0/16", types.SubnetCidrReservationTypeExplicit)
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = resv(c, id, "10.0.1.8/29", types.SubnetCidrReservationTypePrefix)
	wantAPIErrorMessage(t, err, "InvalidParameterValue", "The CIDR 10.0.1.8/29 overlaps with the subnet CIDR reservation "+*v4.SubnetCidrReservationId+" (10.0.1.0/28)")
	_, err = resv(c, id, "10.0.1.64/28", "sometimes")
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = resv(c, id, "not-a-cidr", types.SubnetCidrReservationTypePrefix)
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = resv(c, "subnet-0000000000000000f", "10.0.1.64/28", types.SubnetCidrReservationTypePrefix)
	wantAPIError(t, err, "InvalidSubnetID.NotFound")

	get := func(fs ...types.Filter) *ec2.GetSubnetCidrReservationsOutput {
		t.Helper()
		return must[*ec2.GetSubnetCidrReservationsOutput](t)(c.GetSubnetCidrReservations(ctx, &ec2.GetSubnetCidrReservationsInput{SubnetId: sub.SubnetId, Filters: fs}))
	}
	all := get()
	if len(all.SubnetIpv4CidrReservations) != 2 || len(all.SubnetIpv6CidrReservations) != 1 || *all.SubnetIpv6CidrReservations[0].Cidr != v6cidr.String() {
		t.Fatalf("GetSubnetCidrReservations: v4 %+v v6 %+v", all.SubnetIpv4CidrReservations, all.SubnetIpv6CidrReservations)
	}
	if got := get(filter("reservationType", "explicit")); len(got.SubnetIpv4CidrReservations) != 1 || len(got.SubnetIpv6CidrReservations) != 0 ||
		*got.SubnetIpv4CidrReservations[0].SubnetCidrReservationId != *v4.SubnetCidrReservationId {
		t.Fatalf("reservationType=explicit: %+v %+v", got.SubnetIpv4CidrReservations, got.SubnetIpv6CidrReservations)
	}
	if got := get(filter("tag:Name", "appl*"), filter("subnet-id", id)); len(got.SubnetIpv4CidrReservations) != 1 {
		t.Fatalf("tag:Name=appl*: %+v", got.SubnetIpv4CidrReservations)
	}
	if got := get(filter("tag-key", "Name"), filter("reservationType", "prefix")); len(got.SubnetIpv4CidrReservations)+len(got.SubnetIpv6CidrReservations) != 0 {
		t.Fatalf("tag-key=Name and prefix: %+v", got)
	}
	_, err = c.GetSubnetCidrReservations(ctx, &ec2.GetSubnetCidrReservationsInput{SubnetId: sub.SubnetId, Filters: []types.Filter{filter("cidr", "*")}})
	wantAPIError(t, err, "InvalidParameterValue")

	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-cidr-reservation.html — Amazon can't assign the reserved addresses to your network interfaces; you assign them
	run := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-1"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		SubnetId: sub.SubnetId, Ipv6AddressCount: sdkaws.Int32(1)}))
	inst := run.Instances[0]
	if *inst.PrivateIpAddress != "10.0.1.16" {
		t.Fatalf("RunInstances got %s, want 10.0.1.16, the first address past the explicit reservation 10.0.1.0/28", *inst.PrivateIpAddress)
	}
	if got := *inst.NetworkInterfaces[0].Ipv6Addresses[0].Ipv6Address; got != lastPlusOne(v6cidr).String() {
		t.Fatalf("RunInstances IPv6 %s, want %s, the first address past the reservation %s", got, lastPlusOne(v6cidr), v6cidr)
	}
	eni := must[*ec2.CreateNetworkInterfaceOutput](t)(c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sub.SubnetId,
		SecondaryPrivateIpAddressCount: sdkaws.Int32(1)})).NetworkInterface
	if got := []string{*eni.PrivateIpAddresses[0].PrivateIpAddress, *eni.PrivateIpAddresses[1].PrivateIpAddress}; got[0] != "10.0.1.17" || got[1] != "10.0.1.18" {
		t.Fatalf("CreateNetworkInterface addresses %v, want 10.0.1.17 and .18", got)
	}
	named := must[*ec2.CreateNetworkInterfaceOutput](t)(c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sub.SubnetId,
		PrivateIpAddress: sdkaws.String("10.0.1.9")})).NetworkInterface
	if *named.PrivateIpAddress != "10.0.1.9" {
		t.Fatalf("an explicit address inside the reservation: got %s", *named.PrivateIpAddress)
	}

	del := must[*ec2.DeleteSubnetCidrReservationOutput](t)(c.DeleteSubnetCidrReservation(ctx, &ec2.DeleteSubnetCidrReservationInput{SubnetCidrReservationId: v4.SubnetCidrReservationId}))
	if *del.DeletedSubnetCidrReservation.Cidr != "10.0.1.0/28" {
		t.Fatalf("DeleteSubnetCidrReservation: %+v", del.DeletedSubnetCidrReservation)
	}
	_, err = c.DeleteSubnetCidrReservation(ctx, &ec2.DeleteSubnetCidrReservationInput{SubnetCidrReservationId: v4.SubnetCidrReservationId})
	wantAPIError(t, err, "InvalidSubnetCidrReservationID.NotFound")
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-cidr-reservation.html — when you remove a reservation, its unused addresses become available; those in use are not changed
	again := must[*ec2.CreateNetworkInterfaceOutput](t)(c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sub.SubnetId})).NetworkInterface
	if *again.PrivateIpAddress != "10.0.1.4" {
		t.Fatalf("after the delete, CreateNetworkInterface got %s, want 10.0.1.4", *again.PrivateIpAddress)
	}
	if n := len(get().SubnetIpv4CidrReservations); n != 1 {
		t.Fatalf("after the delete: %d IPv4 reservations, want the prefix one", n)
	}
	// Account B sees none of A's.
	_, err = l.b.DeleteSubnetCidrReservation(ctx, &ec2.DeleteSubnetCidrReservationInput{SubnetCidrReservationId: pfx.SubnetCidrReservationId})
	wantAPIError(t, err, "InvalidSubnetCidrReservationID.NotFound")

	wantRestoredReservations(t, l, id, 2)
}

// wantRestoredReservations checks that a snapshot of the lab's cloud
// keeps the subnet's n reservations.
func wantRestoredReservations(t *testing.T, l *lab, subnet string, n int) {
	t.Helper()
	snap, _, err := l.cloud.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	back := model.New()
	if err := back.Restore(snap); err != nil {
		t.Fatal(err)
	}
	rs, err := back.SubnetCIDRReservations(credA.AccountID, subnet)
	if err != nil || len(rs) != n || rs[0].Tags == nil {
		t.Fatalf("restored reservations: %+v, %v", rs, err)
	}
}

// lastPlusOne is the address after a prefix's last.
func lastPlusOne(p netip.Prefix) netip.Addr {
	a := p.Addr().As16()
	a[15] = 0
	a[14]++
	return netip.AddrFrom16(a)
}
