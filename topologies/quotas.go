package topologies

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// QuotaInfo is one AWS account quota a topology may raise under an
// account's quotas: its key there, its name in Service Quotas and AWS's
// default. The lab's emulated cloud enforces the same quotas with the same
// keys (cloudmock/model.Quotas; a test there keeps the two equal).
type QuotaInfo struct {
	Key     string
	Name    string // the Service Quotas name
	Default int
	// PerRegion says the quota counts an account's objects in a region
	// (rather than a VPC's, a table's, a group's or a zone's).
	PerRegion bool
}

// Quotas are the quotas a topology may raise.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — Amazon VPC quotas and their defaults
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html#using-instance-addressing-limit — 5 Elastic IP addresses per Region
var Quotas = []QuotaInfo{
	{"vpcs-per-region", "VPCs per Region", 5, true},
	{"subnets-per-vpc", "Subnets per VPC", 200, false},
	{"internet-gateways-per-region", "Internet gateways per Region", 5, true},
	{"nat-gateways-per-az", "NAT gateways per Availability Zone", 5, false},
	{"elastic-ips-per-region", "EC2-VPC Elastic IPs", 5, true},
	{"route-tables-per-vpc", "Route tables per VPC", 200, false},
	{"routes-per-route-table", "Routes per route table", 50, false},
	{"security-groups-per-region", "VPC security groups per Region", 2500, true},
	{"rules-per-security-group", "Inbound or outbound rules per security group", 60, false},
}

// maxQuota bounds a raised quota.
const maxQuota = 1000000

// quotaKeys lists the keys of Quotas in order.
func quotaKeys() []string {
	out := make([]string, len(Quotas))
	for i, q := range Quotas {
		out[i] = q.Key
	}
	return out
}

// QuotaByKey returns the quota with the given key.
func QuotaByKey(key string) (QuotaInfo, bool) {
	i := slices.IndexFunc(Quotas, func(q QuotaInfo) bool { return q.Key == key })
	if i < 0 {
		return QuotaInfo{}, false
	}
	return Quotas[i], true
}

// QuotaValue is one raised quota of an account.
type QuotaValue struct {
	Key   string
	Value int
	Pos   Pos
}

// Quota returns the account's value of the quota key: the raised one, or
// AWS's default.
func (a *Account) Quota(key string) int {
	for _, q := range a.Quotas {
		if q.Key == key {
			return q.Value
		}
	}
	q, _ := QuotaByKey(key)
	return q.Default
}

// quotas decodes an account's quotas mapping.
func (d *decoder) quotas(n *yaml.Node, path string) []*QuotaValue {
	f := d.fields(n, path, "quotas")
	if f == nil {
		return nil
	}
	var out []*QuotaValue
	for _, k := range quotaKeys() { // in Quotas order
		v := f[k]
		if v == nil {
			continue
		}
		if i, ok := d.integer(v, join(path, k)); ok {
			out = append(out, &QuotaValue{Key: k, Value: i, Pos: posOf(v)})
		}
	}
	return out
}

// checkQuotaValues checks an account's raised quotas: at least AWS's
// default (a quota increase only raises) and at most maxQuota.
func (c *checker) checkQuotaValues(a *Account, path string) {
	for _, q := range a.Quotas {
		info, _ := QuotaByKey(q.Key)
		p := join(join(path, "quotas"), q.Key)
		switch {
		case q.Value < info.Default:
			c.errAt(q.Pos, p, "%d is below AWS's default %d for %s (%q); a quota can only be raised", q.Value, info.Default, q.Key, info.Name)
		case q.Value > maxQuota:
			c.errAt(q.Pos, p, "%d is more than %d", q.Value, maxQuota)
		}
	}
}

// checkQuotaUse reports objects of the cloud intent that AWS's quotas, as
// the accounts raise them, would refuse: each error is on the first object
// over the quota and says what quotas: line would admit it. What counts is
// what the controller creates (a VPC per vpc, its subnets, an internet
// gateway in each VPC that hosts a transit or spoke, and an elastic IP per
// gateway, two for ha, and per firewall of a FireNet with egress) and what the account has in each region it uses
// before that: its default VPC with its internet gateway.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html — a default VPC, with an internet gateway, in each Region
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — the default VPC counts toward VPCs per Region
func (c *checker) checkQuotaUse(cl *Cloud, x *cloudIndex) {
	// Each use adds objects to an account's count of a quota, in file order.
	type use struct {
		account, key, what, path string
		pos                      Pos
		add                      int
	}
	var uses []use
	hosts := map[string]int{}        // vpc -> gateways it hosts
	defaults := map[[2]string]bool{} // account, region -> its default VPC counted
	for _, tr := range cl.Transits {
		if tr != nil {
			hosts[tr.VPC] += gateways(tr.HA)
		}
	}
	for _, s := range cl.Spokes {
		if s != nil {
			hosts[s.VPC] += gateways(s.HA)
		}
	}
	for _, v := range cl.VPCs {
		// Azure's limits are not AWS's quotas: only AWS accounts count.
		if v == nil || x.vpcs[v.Name] != v || x.accounts[v.Account] == nil || x.accounts[v.Account].Provider != ProviderAWS {
			continue
		}
		path := join("vpcs", v.Name)
		if ar := [2]string{v.Account, v.Region}; !defaults[ar] {
			defaults[ar] = true
			uses = append(uses, use{v.Account, "vpcs-per-region/" + v.Region, vpcsIn(v.Region), path, v.Pos, 1},
				use{v.Account, "internet-gateways-per-region/" + v.Region, igwsIn(v.Region), path, v.Pos, 1})
		}
		// Per-Region quotas count each region's objects on their own
		// (AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
		uses = append(uses, use{v.Account, "vpcs-per-region/" + v.Region, vpcsIn(v.Region), path, v.Pos, 1})
		if gw := hosts[v.Name]; gw > 0 {
			uses = append(uses, use{v.Account, "internet-gateways-per-region/" + v.Region, igwsIn(v.Region), path, v.Pos, 1},
				use{v.Account, "elastic-ips-per-region/" + v.Region, "elastic IPs (one per gateway) in " + v.Region, path, v.Pos, gw})
		}
		for _, s := range v.Subnets {
			if s != nil {
				uses = append(uses, use{v.Account, "subnets-per-vpc/" + v.Name, "subnets in vpc " + v.Name, join(join(path, "subnets"), s.Name), s.Pos, 1})
			}
		}
	}
	// FireNet egress gives each firewall an elastic IP of its own.
	for _, tr := range cl.Transits {
		if tr == nil || tr.FireNet == nil || !tr.FireNet.Egress {
			continue
		}
		if v := x.vpcs[tr.VPC]; v != nil && x.accounts[v.Account] != nil {
			uses = append(uses, use{v.Account, "elastic-ips-per-region/" + v.Region, "elastic IPs (one per gateway and per FireNet egress firewall) in " + v.Region,
				join(join("transits", tr.Name), "firenet.egress"), tr.FireNet.Pos, len(tr.FireNet.Firewalls)})
		}
	}
	total := map[[2]string]int{}
	for _, u := range uses {
		total[[2]string{u.account, u.key}] += u.add
	}
	count := map[[2]string]int{}
	for _, u := range uses {
		k := [2]string{u.account, u.key}
		key, _, _ := strings.Cut(u.key, "/") // per-VPC and per-Region counts carry the VPC or region
		a := x.accounts[u.account]
		limit := a.Quota(key)
		before := count[k]
		count[k] += u.add
		if before <= limit && count[k] > limit {
			c.errAt(u.pos, u.path, "%s", quotaMessage(a, key, u.what, total[k], limit))
		}
	}
}

// vpcsIn and igwsIn say what the VPCs and internet gateways of a region
// counted against its quotas are.
func vpcsIn(region string) string { return "VPCs (its default VPC included) in " + region }
func igwsIn(region string) string {
	return "internet gateways (one per VPC with gateways, and the default VPC's) in " + region
}

func gateways(ha bool) int {
	if ha {
		return 2
	}
	return 1
}

// quotaMessage says that the account would hold n of what (such as "VPCs")
// where its quota key allows limit, and which quotas: line raises it.
func quotaMessage(a *Account, key, what string, n, limit int) string {
	info, _ := QuotaByKey(key)
	quota := fmt.Sprintf("AWS's default %d", info.Default)
	if limit != info.Default {
		quota = fmt.Sprintf("raised to %d", limit)
	}
	how := fmt.Sprintf("add quotas: {%s: %d} to account %s%s", key, n, a.Name, atLine(a.Pos))
	if len(a.Quotas) > 0 || a.QuotasPos.Line > 0 {
		how = fmt.Sprintf("set %s: %d in the quotas of account %s%s", key, n, a.Name, atLine(a.QuotasPos))
	}
	return fmt.Sprintf("account %s would hold %d %s, over quota %s (%q, %s); to raise it, %s", a.Name, n, what, key, info.Name, quota, how)
}

// atLine is " (line N)" for a position read from a file, else "".
func atLine(p Pos) string {
	if p.Line == 0 {
		return ""
	}
	return fmt.Sprintf(" (line %d)", p.Line)
}
