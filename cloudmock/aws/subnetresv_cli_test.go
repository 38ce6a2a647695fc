package aws_test

import (
	"strings"
	"testing"
)

// TestSubnetCidrReservationsCLI reserves, lists, filters and deletes
// subnet CIDR reservations with each AWS CLI installed, as the VPC user
// guide's own commands do, with AWS's errors for an overlap and an
// unknown ID.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-cidr-reservation.html — create-subnet-cidr-reservation, get-subnet-cidr-reservations, delete-subnet-cidr-reservation
func TestSubnetCidrReservationsCLI(t *testing.T) {
	eachCLI(t, func(t *testing.T, bin string) {
		l := newLab(t)
		run := cliRunner(t, bin, l)
		sub := mkSubnet(t, l.a, *mkVpc(t, l.a, "10.8.0.0/16", "cli").VpcId, "10.8.1.0/24")
		type reservation struct{ SubnetCidrReservationId, SubnetId, Cidr, ReservationType, OwnerId, Description string }
		var made struct{ SubnetCidrReservation reservation }
		run(&made, "create-subnet-cidr-reservation", "--subnet-id", *sub.SubnetId, "--cidr", "10.8.1.33/27",
			"--reservation-type", "explicit", "--description", "firewalls")
		r := made.SubnetCidrReservation
		if r.Cidr != "10.8.1.32/27" || r.ReservationType != "explicit" || r.SubnetId != *sub.SubnetId || r.Description != "firewalls" ||
			!strings.HasPrefix(r.SubnetCidrReservationId, "scr-") {
			t.Fatalf("create-subnet-cidr-reservation: %+v", r)
		}
		if out := run(nil, "create-subnet-cidr-reservation", "--subnet-id", *sub.SubnetId, "--cidr", "10.8.1.48/28", "--reservation-type", "prefix"); !strings.Contains(out, "InvalidParameterValue") {
			t.Fatalf("an overlapping reservation: %s", out)
		}
		var got struct{ SubnetIpv4CidrReservations, SubnetIpv6CidrReservations []reservation }
		run(&got, "get-subnet-cidr-reservations", "--subnet-id", *sub.SubnetId, "--filters", "Name=reservationType,Values=explicit")
		if len(got.SubnetIpv4CidrReservations) != 1 || got.SubnetIpv4CidrReservations[0] != r || got.SubnetIpv6CidrReservations == nil {
			t.Fatalf("get-subnet-cidr-reservations: %+v", got)
		}
		run(&got, "get-subnet-cidr-reservations", "--subnet-id", *sub.SubnetId, "--filters", "Name=reservationType,Values=prefix")
		if len(got.SubnetIpv4CidrReservations) != 0 {
			t.Fatalf("reservationType=prefix: %+v", got)
		}
		var del struct{ DeletedSubnetCidrReservation reservation }
		run(&del, "delete-subnet-cidr-reservation", "--subnet-cidr-reservation-id", r.SubnetCidrReservationId)
		if del.DeletedSubnetCidrReservation != r {
			t.Fatalf("delete-subnet-cidr-reservation: %+v", del)
		}
		if out := run(nil, "delete-subnet-cidr-reservation", "--subnet-cidr-reservation-id", r.SubnetCidrReservationId); !strings.Contains(out, "InvalidSubnetCidrReservationID.NotFound") {
			t.Fatalf("deleting it again: %s", out)
		}
	})
}
