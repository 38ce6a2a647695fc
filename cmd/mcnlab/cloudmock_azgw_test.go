package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// azGatewayScript works the VPN gateway resources with Debian's az as a
// user of the lab does: an active-active virtual network gateway (two
// public IPs in the GatewaySubnet, BGP), a local network gateway, an
// IPsec connection with BGP between them. Debian's az 2.45 loads the
// create commands of all three, local-gateway show and update and
// vpn-connection list; the others (vnet-gateway show, list, update and
// delete, local-gateway list, vpn-connection show and delete) fail in az
// itself, before any request, importing the missing module
// azure.mgmt.network.v2018_11_01.operations: those go through az
// resource, and the lists (az resource list's /resources is not served)
// through az rest, as the route-table commands do (cloud-clients.md
// §1.1.5).
const azGatewayScript = `set -e
eval "$LINES"
res() { az resource "$@" -g rg1; }
SUB=$(az account show --query id -o tsv)
list() { az rest --method get --url "/subscriptions/$SUB/resourceGroups/rg1/providers/Microsoft.Network/$1?api-version=2024-05-01" --query 'value[].name' -o tsv; }
az group create -n rg1 -l eastus -o none
az network vnet create -g rg1 -n va -l eastus --address-prefix 10.1.0.0/16 --subnet-name GatewaySubnet --subnet-prefixes 10.1.255.0/27 -o none 2>/dev/null
az network public-ip create -g rg1 -n pip1 --sku Standard -o none 2>/dev/null
az network public-ip create -g rg1 -n pip2 --sku Standard -o none 2>/dev/null
az network vnet-gateway create -g rg1 -n gw1 --vnet va --public-ip-addresses pip1 pip2 --gateway-type Vpn --vpn-type RouteBased --sku VpnGw1 --asn 65010 -o none 2>/dev/null
GW=Microsoft.Network/virtualNetworkGateways LGW=Microsoft.Network/localNetworkGateways CONN=Microsoft.Network/connections
echo "gw=$(res show -n gw1 --resource-type $GW --query '[properties.activeActive, properties.bgpSettings.asn, length(properties.ipConfigurations), properties.bgpSettings.bgpPeeringAddress]' -o tsv | tr '\n' ,)"
echo "gws=$(list virtualNetworkGateways)"
az network local-gateway create -g rg1 -n onprem --gateway-ip-address 198.51.100.2 --local-address-prefixes 172.16.0.0/16 --asn 65001 --bgp-peering-address 172.16.0.1 -o none
az network local-gateway update -g rg1 -n onprem --local-address-prefixes 172.17.0.0/16 -o none
echo "lgw=$(az network local-gateway show -g rg1 -n onprem --query '[gatewayIpAddress, localNetworkAddressSpace.addressPrefixes[0], bgpSettings.asn]' -o tsv | tr '\n' ,)"
echo "lgws=$(list localNetworkGateways)"
az network vpn-connection create -g rg1 -n s2s --vnet-gateway1 gw1 --local-gateway2 onprem --shared-key k3y --enable-bgp -o none
echo "conn=$(res show -n s2s --resource-type $CONN --query '[properties.connectionType, properties.enableBgp]' -o tsv | tr '\n' ,)"
echo "conns=$(az network vpn-connection list -g rg1 --query '[].name' -o tsv)"
az network local-gateway delete -g rg1 -n onprem 2>&1 | sed -n 's/^ERROR: (\([A-Za-z]*\)).*/in-use=\1/p'
res delete -n s2s --resource-type $CONN
res delete -n onprem --resource-type $LGW
res delete -n gw1 --resource-type $GW
echo "after=$(list virtualNetworkGateways),$(list localNetworkGateways),$(list connections)"
`

// TestAzureGatewayCLIThroughEnv: in a lab serving Azure, with the lines
// of `mcnlab cloudmock env`, Debian's az creates an active-active VPN
// gateway (shown with two IP configurations and two BGP peering
// addresses), a local network gateway (updated) and a BGP connection,
// shows and lists each, is refused the local gateway's delete while the
// connection uses it, and deletes all three (az resource where az 2.45
// cannot load the command: azGatewayScript).
func TestAzureGatewayCLIThroughEnv(t *testing.T) {
	_, lines := serveForEnv(t, "azure", "az", "az not installed (Debian: azure-cli)")
	cmd := exec.CommandContext(t.Context(), "bash", "-c", azGatewayScript)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LINES=" + lines, "AZURE_CONFIG_DIR=" + filepath.Join(t.TempDir(), "az")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("az vnet-gateway through cloudmock env: %v\n%s", err, out)
	}
	for _, w := range []string{"gw=true,65010,2,10.1.255.30,10.1.255.29,\n", "gws=gw1\n", "lgw=198.51.100.2,172.17.0.0/16,65001,\n", "lgws=onprem\n",
		"conn=IPsec,true,\n", "conns=s2s\n", "in-use=InUseResourceCannotBeDeleted\n", "after=,,\n"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}
