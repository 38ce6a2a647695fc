// Package azuretest connects the Azure SDK for Go to a cloudmock/azure
// server under test: the SDK's cloud configuration pointed at the
// server's ARM and identity endpoints, over TLS that trusts the server's
// certificate, and a real azidentity client-secret credential.
package azuretest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// Client returns a credential of service principal id (with secret, in
// tenant) and ARM client options that reach ts (a TLS server of a
// cloudmock/azure Server), with idle connections for conns callers and
// no retries (a test sees every answer as it is).
func Client(ts *httptest.Server, tenant, id, secret string, conns int) (azcore.TokenCredential, *arm.ClientOptions, error) {
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: conns + 1, ForceAttemptHTTP2: false}
	copts := policy.ClientOptions{
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: ts.URL + "/", Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: ts.URL, Audience: "https://management.core.windows.net/"}}},
		Transport: &http.Client{Transport: tr},
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}
	cred, err := azidentity.NewClientSecretCredential(tenant, id, secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: copts, DisableInstanceDiscovery: true})
	if err != nil {
		return nil, nil, fmt.Errorf("azuretest: credential: %w", err)
	}
	return cred, &arm.ClientOptions{ClientOptions: copts}, nil
}

// Wait waits for a long-running operation that a Begin... call started
// (its poller and error, as the call returned them), polling at the SDK's
// smallest frequency: a cloudmock/azure server answers Retry-After: 0 and
// has finished by the first poll. It gives up after 30 seconds.
func Wait[T any](p *runtime.Poller[T], err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: time.Second})
}

// Circuit is an ExpressRoute circuit in location at the lab's
// connectivity provider (a Standard, MeteredData circuit of 1 Gbps), as a
// user creates one: its PUT claims the lab's private line of its name.
// Azure: https://learn.microsoft.com/en-us/rest/api/expressroute/express-route-circuits/create-or-update — sku tier and family, serviceProviderProperties
func Circuit(location string) armnetwork.ExpressRouteCircuit {
	return armnetwork.ExpressRouteCircuit{Location: to.Ptr(location),
		SKU: &armnetwork.ExpressRouteCircuitSKU{Name: to.Ptr("Standard_MeteredData"), Tier: to.Ptr(armnetwork.ExpressRouteCircuitSKUTierStandard),
			Family: to.Ptr(armnetwork.ExpressRouteCircuitSKUFamilyMeteredData)},
		Properties: &armnetwork.ExpressRouteCircuitPropertiesFormat{ServiceProviderProperties: &armnetwork.ExpressRouteCircuitServiceProviderProperties{
			ServiceProviderName: to.Ptr("mcnlab"), PeeringLocation: to.Ptr("mcnlab"), BandwidthInMbps: to.Ptr[int32](1000)}}}
}
