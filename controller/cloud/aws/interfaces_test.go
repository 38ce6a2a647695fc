package aws_test

import (
	"net/netip"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// TestApplyInterfaces: an instance's further interface is created in its
// subnet with the instance's source/destination check off, attached at
// device index 1 (deleted on termination), and given its own elastic IP;
// the inventory shows it, and the primary interface's MAC address as EC2
// reports it; applying again changes nothing; dropping it
// detaches and deletes it and releases its address.
func TestApplyInterfaces(t *testing.T) {
	e := newEnv(t)
	d := lab()
	// In the instance's zone (an interface in another one cannot attach).
	d.VPCs[0].Subnets = append(d.VPCs[0].Subnets, cloud.Subnet{Key: "prod-vpc/public", CIDR: pfx("10.1.3.0/24"), Zone: "us-east-1b"})
	d.Instances[0].Interfaces = []cloud.Interface{{Subnet: "prod-vpc/public", PrivateIP: netip.MustParseAddr("10.1.3.30"), SecurityGroups: []string{"web"}, PublicIP: true}}
	inv, calls := e.apply(t, d)
	t.Logf("calls: %v", strs(calls))
	gw := inv.Instances["gw1"]
	if gw.Second.PrivateIP != netip.MustParseAddr("10.1.3.30") || !gw.Second.PublicIP.IsValid() || gw.Second.PublicIP == gw.PublicIP {
		t.Fatalf("gw1's second interface: %+v (its own address %s)", gw.Second, gw.PublicIP)
	}
	out, err := e.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{gw.Second.ID}})
	if err != nil || len(out.NetworkInterfaces) != 1 {
		t.Fatalf("describe: %v %+v", err, out)
	}
	n := out.NetworkInterfaces[0]
	prim, err := e.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{gw.Interface}})
	if err != nil || len(prim.NetworkInterfaces) != 1 || gw.MAC == "" || sdkaws.ToString(prim.NetworkInterfaces[0].MacAddress) != gw.MAC {
		t.Errorf("gw1's MAC in the inventory %q; EC2's: %v %+v", gw.MAC, err, prim)
	}
	if a := n.Attachment; a == nil || sdkaws.ToString(a.InstanceId) != gw.ID || sdkaws.ToInt32(a.DeviceIndex) != 1 || !sdkaws.ToBool(a.DeleteOnTermination) ||
		sdkaws.ToBool(n.SourceDestCheck) || n.Association == nil || sdkaws.ToString(n.Association.PublicIp) != gw.Second.PublicIP.String() {
		t.Errorf("the interface as EC2 has it: %+v attachment %+v association %+v", n, n.Attachment, n.Association)
	}
	if _, calls := e.apply(t, d); len(calls) != 0 {
		t.Errorf("applying again made calls: %v", strs(calls))
	}
	d.Instances[0].Interfaces = nil
	_, calls = e.apply(t, d)
	wantCalls(t, "dropping the interface", calls, "DisassociateAddress gw1/eth1", "ReleaseAddress gw1/eth1", "DeleteNetworkInterface gw1/eth1")
	out, err = e.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range out.NetworkInterfaces {
		if sdkaws.ToString(n.NetworkInterfaceId) == gw.Second.ID {
			t.Errorf("the dropped interface is still there: %+v", n)
		}
	}
}
