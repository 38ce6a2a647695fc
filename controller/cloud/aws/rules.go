package aws

import (
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// srcKind is what a rule admits traffic from.
type srcKind int

const (
	srcIPv4 srcKind = iota
	srcIPv6
	srcGroup
)

// perm is one ingress rule in a comparable form: one protocol and port
// range from one source.
type perm struct {
	proto    string // "-1", "tcp", "udp", "icmp" or a protocol number
	from, to int32  // both 0 for protocol -1
	kind     srcKind
	src      string // CIDR or security group ID
}

// protocolNames maps the protocol numbers EC2 may show to the names we use.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html — tcp, udp, icmp or a protocol number; -1 for all
var protocolNames = map[string]string{"6": "tcp", "17": "udp", "1": "icmp", "all": "-1"}

// awsProtocols are the protocols as EC2 names them.
var awsProtocols = map[cloud.Protocol]string{cloud.ProtocolAll: "-1", cloud.ProtocolTCP: "tcp", cloud.ProtocolUDP: "udp", cloud.ProtocolICMP: "icmp"}

func normProto(p string) string {
	p = strings.ToLower(p)
	if n, ok := protocolNames[p]; ok {
		return n
	}
	return p
}

// perms flattens EC2 permissions into one perm per source.
func perms(ps []types.IpPermission) []perm {
	var out []perm
	for _, p := range ps {
		base := perm{proto: normProto(sdkaws.ToString(p.IpProtocol))}
		if base.proto != "-1" {
			base.from, base.to = sdkaws.ToInt32(p.FromPort), sdkaws.ToInt32(p.ToPort)
		}
		for _, r := range p.IpRanges {
			q := base
			q.kind, q.src = srcIPv4, prefix(r.CidrIp).String()
			out = append(out, q)
		}
		for _, r := range p.Ipv6Ranges {
			q := base
			q.kind, q.src = srcIPv6, prefix(r.CidrIpv6).String()
			out = append(out, q)
		}
		for _, g := range p.UserIdGroupPairs {
			q := base
			q.kind, q.src = srcGroup, sdkaws.ToString(g.GroupId)
			out = append(out, q)
		}
	}
	return out
}

// permOf is a desired rule as a perm.
func permOf(r cloud.Rule) perm {
	q := perm{proto: awsProtocols[r.Protocol], from: r.FromPort, to: r.ToPort, kind: srcIPv4, src: r.Source.Masked().String()}
	if q.proto == "-1" {
		q.from, q.to = 0, 0
	}
	if r.Source.Addr().Is6() {
		q.kind = srcIPv6
	}
	return q
}

// ipPermission is a perm as the API takes it.
func (q perm) ipPermission() types.IpPermission {
	p := types.IpPermission{IpProtocol: sdkaws.String(q.proto)}
	if q.proto != "-1" {
		p.FromPort, p.ToPort = sdkaws.Int32(q.from), sdkaws.Int32(q.to)
	}
	switch q.kind {
	case srcIPv4:
		p.IpRanges = []types.IpRange{{CidrIp: sdkaws.String(q.src)}}
	case srcIPv6:
		p.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: sdkaws.String(q.src)}}
	case srcGroup:
		p.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: sdkaws.String(q.src)}}
	}
	return p
}

// String renders a rule for plans: "tcp/443 from 0.0.0.0/0", "all from 10.0.0.0/8".
func (q perm) String() string {
	switch {
	case q.proto == "-1":
		return "all from " + q.src
	case q.from == q.to:
		return fmt.Sprintf("%s/%d from %s", q.proto, q.from, q.src)
	}
	return fmt.Sprintf("%s/%d-%d from %s", q.proto, q.from, q.to, q.src)
}
