package lab

import (
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

// TestQuotaArgs: the lab's one account gets the sum of the lab
// accounts' per-Region quotas and the largest of the others; accounts with
// other credentials do not count.
func TestQuotaArgs(t *testing.T) {
	acct := func(name, creds string, q ...*topologies.QuotaValue) *topologies.Account {
		return &topologies.Account{Name: name, Provider: topologies.ProviderAWS, Credentials: creds, Quotas: q}
	}
	if got := QuotaArgs([]*topologies.Account{acct("a", "lab")}); len(got) != 0 {
		t.Errorf("one account at the defaults: %v", got)
	}
	got := QuotaArgs([]*topologies.Account{
		acct("a", "lab", &topologies.QuotaValue{Key: "elastic-ips-per-region", Value: 8}),
		acct("b", "", &topologies.QuotaValue{Key: "subnets-per-vpc", Value: 300}),
		acct("real", "env", &topologies.QuotaValue{Key: "vpcs-per-region", Value: 100}),
	})
	want := []string{"--quota", "vpcs-per-region=10", "--quota", "subnets-per-vpc=300", "--quota", "internet-gateways-per-region=10",
		"--quota", "elastic-ips-per-region=13", "--quota", "security-groups-per-region=5000"}
	if !slices.Equal(got, want) {
		t.Errorf("QuotaArgs:\n got %v\nwant %v", got, want)
	}
}
