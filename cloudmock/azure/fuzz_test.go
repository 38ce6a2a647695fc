package azure

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// fuzzPaths are the PUT targets whose bodies FuzzARMRequest feeds.
var fuzzPaths = []string{
	"/subscriptions/" + testSub + "/resourcegroups/rg1?api-version=2021-04-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1/subnets/s2?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/n1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/n1/securityRules/r1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/routeTables/t1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/routeTables/t1/routes/x?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/p1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/natGateways/g1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1/virtualNetworkPeerings/x?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/localNetworkGateways/l1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworkGateways/g1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/connections/c1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1?api-version=2024-11-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/expressRouteCircuits/er1?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Network/expressRouteCircuits/er1/peerings/AzurePrivatePeering?api-version=2025-05-01",
	"/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Resources/deployments/d1?api-version=2021-04-01",
}

// FuzzARMRequest: whatever body a PUT carries, the front-end answers
// with ARM's 4xx error or a success, never a 5xx, and the error has
// ARM's shape.
func FuzzARMRequest(f *testing.F) {
	for _, s := range []string{
		`{"properties":{"mode":"Incremental","parameters":{"p":{"value":"x"}},"template":{"parameters":{"p":{"type":"string"}},"variables":{"v":"[concat(parameters('p'), '-1')]"},"resources":[{"type":"Microsoft.Network/networkSecurityGroups","apiVersion":"2015-06-15","name":"[variables('v')]","location":"[resourceGroup().location]","dependsOn":["[resourceId('Microsoft.Network/virtualNetworks', 'v1')]"],"properties":{}},{"type":"Microsoft.Network/virtualNetworks","apiVersion":"2023-09-01","name":"v1","location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]}}}]}}}`,
		`{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"s1","properties":{"addressPrefix":"10.0.1.0/24","networkSecurityGroup":{"id":"/subscriptions/x"}}}]}}`,
		`{"location":"eastus","properties":{"securityRules":[{"name":"a","properties":{"priority":100,"direction":"Inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"*","destinationAddressPrefix":"*","sourcePortRange":"*","destinationPortRange":"22"}}]}}`,
		`{"properties":{"priority":4096,"direction":"Outbound","access":"Deny","protocol":"*","destinationAddressPrefix":"Internet"}}`,
		`{"properties":{"addressPrefix":"10.0.2.0/24","routeTable":{"id":"/subscriptions/` + testSub + `/resourceGroups/rg1/providers/Microsoft.Network/routeTables/t1"}}}`,
		`{"location":"eastus","properties":{"routes":[{"name":"a","properties":{"addressPrefix":"0.0.0.0/0","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.0.0.4"}}]}}`,
		`{"properties":{"addressPrefix":"10.1.0.0/16","nextHopType":"None"}}`,
		`{"location":"West Europe","tags":{"a":"b"}}`,
		`{"location":"eastus","sku":{"name":"Standard"},"properties":{"publicIPAllocationMethod":"Dynamic"}}`,
		`{"location":"eastus","properties":{"enableIPForwarding":true,"networkSecurityGroup":{"id":"` + rgID + `networkSecurityGroups/n1"},"ipConfigurations":[{"name":"c","properties":{"privateIPAllocationMethod":"Static","privateIPAddress":"10.0.0.9","subnet":{"id":"` + rgID + `virtualNetworks/v1/subnets/s0"},"publicIPAddress":{"id":"` + rgID + `publicIPAddresses/p0"}}}]}}`,
		`{"location":"eastus","sku":{"name":"Standard"},"properties":{"publicIpAddresses":[{"id":"` + rgID + `publicIPAddresses/p0"}]}}`,
		`{"properties":{"remoteVirtualNetwork":{"id":"` + rgID + `virtualNetworks/v2"},"allowForwardedTraffic":true,"useRemoteGateways":false}}`,
		`{"properties":{"remoteVirtualNetwork":{"id":"` + rgID + `virtualNetworks/v1"}}}`,
		`{"location":"eastus","properties":{"connectionType":"IPsec","sharedKey":"k","enableBgp":true,"virtualNetworkGateway1":{"id":"` + rgID + `virtualNetworkGateways/g1"},"localNetworkGateway2":{"id":"` + rgID + `localNetworkGateways/l1"}}}`,
		`{"location":"eastus","properties":{"gatewayIpAddress":"198.51.100.2","localNetworkAddressSpace":{"addressPrefixes":["172.16.0.0/16"]},"bgpSettings":{"asn":65001,"bgpPeeringAddress":"172.16.0.1"}}}`,
		`{"location":"eastus","properties":{"gatewayType":"Vpn","vpnType":"RouteBased","activeActive":false,"enableBgp":true,"ipConfigurations":[{"name":"default","properties":{"subnet":{"id":"` + rgID + `virtualNetworks/v1/subnets/s0"},"publicIPAddress":{"id":"` + rgID + `publicIPAddresses/p0"}}}]}}`,
		`{"location":"eastus","zones":["1"],"properties":{"hardwareProfile":{"vmSize":"Standard_B2s"},"storageProfile":{"imageReference":{"publisher":"mcnlab","offer":"gateway","sku":"lab","version":"latest"},"osDisk":{"caching":"ReadOnly"}},"osProfile":{"computerName":"c","adminUsername":"u","adminPassword":"p","linuxConfiguration":{"disablePasswordAuthentication":false}},"networkProfile":{"networkInterfaces":[{"id":"` + rgID + `networkInterfaces/nic0","properties":{"primary":true,"deleteOption":"Delete"}}]}}}`,
		`{"location":"eastus","properties":{"hardwareProfile":{"vmSize":"Standard_B1s"},"storageProfile":{"imageReference":{"id":"/subscriptions/x/images/i"}},"networkProfile":{"networkInterfaceConfigurations":[{}]}}}`,
		`{"location":"eastus","sku":{"name":"Standard_MeteredData","tier":"Standard","family":"MeteredData"},"properties":{"serviceProviderProperties":{"serviceProviderName":"mcnlab","peeringLocation":"mcnlab","bandwidthInMbps":1000},"peerings":[{"name":"AzurePrivatePeering","properties":{"peerASN":65010,"primaryPeerAddressPrefix":"192.168.100.0/30","secondaryPeerAddressPrefix":"192.168.100.4/30","vlanId":100}}]}}`,
		`{"properties":{"peeringType":"AzurePrivatePeering","peerASN":4294967296,"primaryPeerAddressPrefix":"192.168.100.0/30","secondaryPeerAddressPrefix":"192.168.100.0/30","vlanId":0}}`,
		`{"location":"eastus","properties":{"connectionType":"ExpressRoute","virtualNetworkGateway1":{"id":"` + rgID + `virtualNetworkGateways/g1"},"peer":{"id":"` + rgID + `expressRouteCircuits/er1"}}}`,
		`{"location":"eastus","properties":{"gatewayType":"ExpressRoute","sku":{"name":"ErGw1AZ"},"ipConfigurations":[{"name":"default","properties":{"subnet":{"id":"` + rgID + `virtualNetworks/v1/subnets/s0"}}}]}}`,
		`{"location":1}`, `[]`, `null`, `{`, ``, `{"properties":{"priority":-1e99}}`, `{"a":1} {"b":2}`,
	} {
		for i := range fuzzPaths {
			f.Add(i, s)
		}
	}
	f.Fuzz(func(t *testing.T, which int, body string) {
		c := model.New()
		c.AddAccount(model.Account{ID: testSub, Provider: model.ProviderAzure})
		if _, err := c.ProvisionDXConnectionAt(testSub, model.Place{Region: "eastus"}, "er1", nil); err != nil {
			t.Fatal(err)
		}
		srv := New(c, testTenant, Principal{ClientID: testApp, Secret: testSecret, Subscription: testSub})
		tok := srv.sign(testApp, time.Now().Add(time.Hour))
		send := func(path, body string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPut, "https://arm.test"+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			return w
		}
		send(fuzzPaths[0], `{"location":"eastus"}`)
		send(fuzzPaths[1], `{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]}}}`)
		send(fuzzPaths[3], `{"location":"eastus"}`)
		send(fuzzPaths[5], `{"location":"eastus"}`)
		send(fuzzPaths[1], `{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"s0","properties":{"addressPrefix":"10.0.0.0/24"}}]}}`)
		send(strings.Replace(fuzzPaths[1], "/v1?", "/v2?", 1), `{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.9.0.0/16"]}}}`)
		send(strings.Replace(fuzzPaths[7], "/p1?", "/p0?", 1), `{"location":"eastus","sku":{"name":"Standard"}}`)
		send(strings.Replace(fuzzPaths[8], "/nic1?", "/nic0?", 1), `{"location":"eastus","properties":{"ipConfigurations":[{"name":"c","properties":{"subnet":{"id":"`+rgID+`virtualNetworks/v1/subnets/s0"}}}]}}`)
		w := send(fuzzPaths[((which%len(fuzzPaths))+len(fuzzPaths))%len(fuzzPaths)], body)
		if w.Code >= 500 {
			t.Fatalf("body %q: %d %s", body, w.Code, w.Body)
		}
		if w.Code >= 400 && !strings.Contains(w.Body.String(), `"error":{"code":"`) {
			t.Fatalf("body %q: %d without ARM's error shape: %s", body, w.Code, w.Body)
		}
	})
}
