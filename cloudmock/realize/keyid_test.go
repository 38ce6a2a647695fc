package realize

import (
	"net/netip"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/internal/handle"
)

// TestHostKeyFitsAlias: a host's wiring key, kept in its eth0's alias,
// stays under the kernel's IFALIASZ (256 bytes) for an Azure VNet, whose
// ID is a long resource ID, which the key holds by its handle; an AWS
// VPC ID is held as it is.
func TestHostKeyFitsAlias(t *testing.T) {
	vnet := "/subscriptions/6a4e8c2b-1f3d-4e5a-9b7c-0d1e2f3a4b5c/resourceGroups/rg-transit-with-a-long-name/providers/Microsoft.Network/virtualNetworks/transit-vnet-with-a-long-name"
	sub := model.Subnet{ID: vnet + "/subnets/gw", NetworkID: vnet, Prefix: netip.MustParsePrefix("10.10.1.0/24")}
	sub.Handle = "0badcafe"
	h, err := newHost("vm", "12345678", "mcn-a-lab-name-of-24-chars-x-i-12345678", sub, netip.MustParseAddr("10.10.1.10"), hostSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.key) >= 256 {
		t.Errorf("host key of %d bytes: %s", len(h.key), h.key)
	}
	if want := "h-" + handle.Of(vnet); keyID(vnet) != want {
		t.Errorf("keyID(VNet) = %s, want %s", keyID(vnet), want)
	}
	if keyID("vpc-0123456789abcdef0") != "vpc-0123456789abcdef0" {
		t.Errorf("keyID changed an AWS VPC ID: %s", keyID("vpc-0123456789abcdef0"))
	}
}
