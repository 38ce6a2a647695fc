package model

import (
	"fmt"
	"slices"
	"strings"
)

// Quota is one account quota that can be raised, as an AWS account asks
// Service Quotas for an increase: its short key (the key of a topology's
// quotas: mapping and of `cloudmock serve --quota`), its name in Service
// Quotas, and the Limits field that holds it.
type Quota struct {
	Key   string // such as "vpcs-per-region"
	Name  string // the Service Quotas name, such as "VPCs per Region"
	field func(*Limits) *int
}

// Default returns the quota's value in DefaultLimits.
func (q Quota) Default() int {
	l := DefaultLimits()
	return *q.field(&l)
}

// Of returns the quota's value in l.
func (q Quota) Of(l Limits) int { return *q.field(&l) }

// Quotas are the raisable quotas, in the order of Amazon VPC's quota page.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Amazon VPC quotas, adjustable through Service Quotas
// AWS: https://docs.aws.amazon.com/servicequotas/latest/userguide/request-quota-increase.html — requesting a quota increase
var Quotas = []Quota{
	{"vpcs-per-region", "VPCs per Region", func(l *Limits) *int { return &l.NetworksPerRegion }},
	{"subnets-per-vpc", "Subnets per VPC", func(l *Limits) *int { return &l.SubnetsPerNetwork }},
	{"internet-gateways-per-region", "Internet gateways per Region", func(l *Limits) *int { return &l.InternetGatewaysPerRegion }},
	{"nat-gateways-per-az", "NAT gateways per Availability Zone", func(l *Limits) *int { return &l.NATGatewaysPerZone }},
	{"elastic-ips-per-region", "EC2-VPC Elastic IPs", func(l *Limits) *int { return &l.ElasticIPsPerRegion }},
	{"route-tables-per-vpc", "Route tables per VPC", func(l *Limits) *int { return &l.RouteTablesPerNetwork }},
	{"routes-per-route-table", "Routes per route table", func(l *Limits) *int { return &l.RoutesPerTable }},
	{"security-groups-per-region", "VPC security groups per Region", func(l *Limits) *int { return &l.SecurityGroupsPerRegion }},
	{"rules-per-security-group", "Inbound or outbound rules per security group", func(l *Limits) *int { return &l.RulesPerGroupDirection }},
}

// QuotaByKey returns the raisable quota with the given key.
func QuotaByKey(key string) (Quota, bool) {
	i := slices.IndexFunc(Quotas, func(q Quota) bool { return q.Key == key })
	if i < 0 {
		return Quota{}, false
	}
	return Quotas[i], true
}

// Raise sets the quota key to n in l. A quota is only raised: n below its
// default is refused, as Service Quotas refuses a decrease.
func (l *Limits) Raise(key string, n int) error {
	q, ok := QuotaByKey(key)
	if !ok {
		keys := make([]string, len(Quotas))
		for i, q := range Quotas {
			keys[i] = q.Key
		}
		return fmt.Errorf("unknown quota %q; quotas are %s", key, strings.Join(keys, ", "))
	}
	if d := q.Default(); n < d {
		return fmt.Errorf("quota %s (%s): %d is below its default %d; a quota can only be raised", key, q.Name, n, d)
	}
	*q.field(l) = n
	return nil
}

// countLocked counts the objects of m that keep selects.
func countLocked[T any](m map[string]*T, keep func(*T) bool) int {
	n := 0
	for _, o := range m {
		if keep(o) {
			n++
		}
	}
	return n
}

// quotaExceeded is the error for a create that would pass a quota; the
// error's ID is the quota's key.
func quotaExceeded(kind Kind, key string, n int, where string) *Error {
	q, _ := QuotaByKey(key)
	return errf(CodeQuotaExceeded, kind, key, "the quota %s (%s) of %d is reached %s", key, q.Name, n, where)
}
