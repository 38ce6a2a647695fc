package emulator

import (
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/internal/handle"
)

// TestGatewaySocketOfAzureID: a node name or an AWS instance ID names its
// gateway socket as it is; an Azure resource ID, which holds slashes and
// would pass the 108 bytes of a Unix socket path, is named by its handle.
func TestGatewaySocketOfAzureID(t *testing.T) {
	if got := GatewaySocket("lab1", "i-0123456789abcdef0"); !strings.HasSuffix(got, "/lab1/gw/i-0123456789abcdef0.sock") {
		t.Errorf("AWS instance's socket %s", got)
	}
	if got := GatewaySocket("lab1", "tgw1"); !strings.HasSuffix(got, "/lab1/gw/tgw1.sock") {
		t.Errorf("node's socket %s", got)
	}
	id := "/subscriptions/6a4e8c2b-1f3d-4e5a-9b7c-0d1e2f3a4b5c/resourceGroups/rg-transit/providers/Microsoft.Compute/virtualMachines/transit-1"
	got := GatewaySocket("a-lab-name-of-24-chars-x", id)
	if !strings.HasSuffix(got, "/gw/h-"+handle.Of(id)+".sock") || len(got) >= 108 {
		t.Errorf("Azure VM's socket %s (%d bytes); want h-%s.sock under 108 bytes", got, len(got), handle.Of(id))
	}
}
