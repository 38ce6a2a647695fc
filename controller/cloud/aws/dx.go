package aws

import (
	"context"
	"errors"
	"fmt"
	"math"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directconnect"
	dxtypes "github.com/aws/aws-sdk-go-v2/service/directconnect/types"
	"github.com/aws/smithy-go"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planVIFs plans the private virtual interfaces: each lands on the VPN
// gateway of its VPC, on the Direct Connect connection it names. The
// connections are provisioned outside the controller; a missing one is an
// error.
func (pl *planner) planVIFs() error {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneVIF) {
		v := w.vifs[k]
		_, vgwGone := pl.goneVGW[w.vgwKey(v.vgwID)]
		pl.add(phDelVIF, "directconnect", "DeleteVirtualInterface", v.name(), cloud.Why("VirtualInterfaceId="+v.id, pl.goneVIF[k]),
			"delete virtual interface "+v.name(), func(ctx context.Context) error {
				if _, err := p.dx.DeleteVirtualInterface(ctx, &directconnect.DeleteVirtualInterfaceInput{VirtualInterfaceId: &v.id}); err != nil {
					return err
				}
				cloud.Drop(w.vifs, k, v)
				if vgwGone {
					// The gateway cannot be detached while an interface lands on it.
					return p.waitVIFGone(ctx, v.id)
				}
				return nil
			})
	}
	var errs []error
	for _, x := range pl.d.VirtualInterfaces {
		conns := w.conns[x.Connection]
		switch len(conns) {
		case 0:
			// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DescribeConnections.html — a region's endpoint lists the connections in that Region
			errs = append(errs, fmt.Errorf("virtual interface %s: no Direct Connect connection named %q in region %s, the region of VPC %s", x.Key, x.Connection, p.region, x.VPC))
			continue
		case 1:
		default:
			errs = append(errs, fmt.Errorf("virtual interface %s: %d Direct Connect connections are named %q", x.Key, len(conns), x.Connection))
			continue
		}
		if cloud.Keeps(w.vifs, pl.goneVIF, x.Key) {
			continue
		}
		conn := conns[0]
		detail := fmt.Sprintf("ConnectionId=%s VirtualGatewayId=%s Vlan=%d Asn=%d AmazonAddress=%s CustomerAddress=%s AddressFamily=ipv4",
			conn, cloud.Ref(w.vgws, pl.goneVGW, x.VPC), x.VLAN, x.ASN, x.CloudAddress, x.CustomerAddress)
		pl.add(phVIF, "directconnect", "CreatePrivateVirtualInterface", x.Key, detail, "create virtual interface "+x.Key, func(ctx context.Context) error {
			vgw, err := cloud.IDOf(w.vgws, "vpn gateway", x.VPC)
			if err != nil {
				return err
			}
			nv := &dxtypes.NewPrivateVirtualInterface{VirtualInterfaceName: &x.Key, Vlan: x.VLAN,
				AmazonAddress: sdkaws.String(x.CloudAddress.String()), CustomerAddress: sdkaws.String(x.CustomerAddress.String()),
				AddressFamily: dxtypes.AddressFamilyIPv4, VirtualGatewayId: &vgw}
			// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_NewPrivateVirtualInterface.html — asn up to 2147483647; asnLong for the whole 32-bit range
			if x.ASN <= math.MaxInt32 {
				nv.Asn = int32(x.ASN)
			} else {
				nv.AsnLong = sdkaws.Int64(int64(x.ASN))
			}
			out, err := p.dx.CreatePrivateVirtualInterface(ctx, &directconnect.CreatePrivateVirtualInterfaceInput{ConnectionId: &conn, NewPrivateVirtualInterface: nv})
			if err != nil {
				return err
			}
			w.vifs[x.Key] = &vifObj{base: base{x.Key, sdkaws.ToString(out.VirtualInterfaceId)}, connID: conn, vgwID: vgw,
				vlan: x.VLAN, asn: int64(x.ASN), amazonAddr: x.CloudAddress.String(), customerAddr: x.CustomerAddress.String()}
			return nil
		})
	}
	return errors.Join(errs...)
}

// waitVIFGone waits until a virtual interface is deleted.
func (p *Provider) waitVIFGone(ctx context.Context, id string) error {
	return poll(ctx, "virtual interface "+id, func(ctx context.Context) (bool, error) {
		out, err := p.dx.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{VirtualInterfaceId: &id})
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "DirectConnectClientException" {
			return true, nil // no such interface any more
		}
		if err != nil {
			return false, err
		}
		for _, v := range out.VirtualInterfaces {
			if v.VirtualInterfaceState != dxtypes.VirtualInterfaceStateDeleted {
				return false, nil
			}
		}
		return true, nil
	})
}
