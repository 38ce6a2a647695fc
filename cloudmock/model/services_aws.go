package model

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"slices"
	"sync"
)

// The AWS services a VPC endpoint can reach, and the prefix lists AWS
// manages for them. In the lab the gateway services (S3, DynamoDB) live
// on the emulated internet, on ServiceSpace: each region's S3 at one
// address and its DynamoDB at another, which are its managed prefix
// lists' one entry each, so a route to the list reaches exactly the
// region's service. The realizer serves them there (their DNS names
// resolve to them through the lab's resolvers).
//
// ServiceSpace is the upper half of TEST-NET-2 (RFC 5737): 198.51.100.128
// plus a region's index in the AWS profile's Regions for S3
// (198.51.100.128-164), 198.51.100.176 plus the index for DynamoDB
// (198.51.100.176-212), and 198.51.100.224/28 for the CloudFront
// origin-facing list, the same in every region as AWS's global list is.
// The lower half stays the uplink pool.

// ServiceSpace is where the lab's AWS service endpoints live.
var ServiceSpace = netip.MustParsePrefix("198.51.100.128/25")

// cloudFrontOrigin is the CloudFront origin-facing list's one entry.
var cloudFrontOrigin = netip.MustParsePrefix("198.51.100.224/28")

// Service is an AWS service that VPC endpoints reach.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html — the AWS services that integrate with AWS PrivateLink, named com.amazonaws.REGION.SERVICE
type Service struct {
	Name      string // com.amazonaws.REGION.SHORT
	Region    string
	Short     string // s3, dynamodb, ec2, ...
	Gateway   bool   // reachable through a gateway endpoint
	Interface bool   // reachable through an interface endpoint
	// DNSName is the service's regional endpoint name
	// (SHORT.REGION.amazonaws.com).
	DNSName string
	// PrefixListID is the managed prefix list of a gateway service.
	PrefixListID string
	// Addr is where the lab serves a gateway service (on ServiceSpace).
	Addr netip.Addr
}

// interfaceServices are the services the lab offers through interface
// endpoints besides the gateway ones (which AWS offers as both).
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html — services that integrate with AWS PrivateLink
var interfaceServices = []string{"ec2", "ec2messages", "ecr.api", "ecr.dkr", "elasticloadbalancing", "execute-api",
	"kms", "lambda", "logs", "monitoring", "secretsmanager", "sns", "sqs", "ssm", "ssmmessages", "sts"}

// gatewayServices are the services with gateway endpoints.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html — gateway endpoints are available for Amazon S3 and DynamoDB
var gatewayServices = []string{"dynamodb", "s3"}

var services = sync.OnceValue(buildServices)

// buildServices makes every region's services and managed prefix lists.
func buildServices() []Service {
	var out []Service
	for i, r := range awsProfile.Regions {
		for _, g := range gatewayServices {
			s := Service{Name: "com.amazonaws." + r + "." + g, Region: r, Short: g, Gateway: true, Interface: true,
				DNSName: g + "." + r + ".amazonaws.com"}
			s.PrefixListID = managedPrefixListID(s.Name)
			base := 128
			if g == "dynamodb" {
				base = 176
			}
			s.Addr = netip.AddrFrom4([4]byte{198, 51, 100, byte(base + i)})
			out = append(out, s)
		}
		for _, short := range interfaceServices {
			out = append(out, Service{Name: "com.amazonaws." + r + "." + short, Region: r, Short: short, Interface: true,
				DNSName: short + "." + r + ".amazonaws.com"})
		}
	}
	return out
}

// managedPrefixListID is the ID of the managed list of the given name: AWS
// names them pl- and 8 hex digits; the lab derives them from the name.
func managedPrefixListID(name string) string {
	h := sha256.Sum256([]byte(name))
	return "pl-" + hex.EncodeToString(h[:4])
}

// Services returns the services of a region (every region's for ""),
// sorted by name.
func Services(region string) []Service {
	var out []Service
	for _, s := range services() {
		if region == "" || s.Region == region {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Service) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// ServiceByName returns a region's service of the given name; in the
// default region (the empty one) any region's; OCI's services too
// (OCIServices).
func ServiceByName(region, name string) (Service, bool) {
	// Concat, not append: services() is shared and append could write
	// into its backing array from concurrent callers.
	for _, s := range slices.Concat(services(), ociServices()) {
		if s.Name == name && (region == "" || s.Region == region) {
			return s, true
		}
	}
	return Service{}, false
}

var servicePrefixLists = sync.OnceValue(func() []PrefixList {
	var out []PrefixList
	for _, s := range services() {
		if s.Gateway {
			out = append(out, PrefixList{ID: s.PrefixListID, Account: AWSOwner, Region: s.Region, Name: s.Name, Managed: true,
				// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html#aws-managed-prefix-list-weights — S3 and DynamoDB weigh 1
				Weight: 1, State: PrefixListCreateComplete, Versions: [][]PrefixListEntry{{{CIDR: netip.PrefixFrom(s.Addr, 32)}}}})
		}
	}
	for _, r := range awsProfile.Regions {
		name := "com.amazonaws.global.cloudfront.origin-facing"
		out = append(out, PrefixList{ID: managedPrefixListID(r + "/" + name), Account: AWSOwner, Region: r, Name: name, Managed: true,
			// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html#aws-managed-prefix-list-weights — CloudFront origin-facing weighs 55
			Weight: 55, State: PrefixListCreateComplete, Versions: [][]PrefixListEntry{{{CIDR: cloudFrontOrigin}}}})
	}
	return out
})

// ServicePrefixLists returns the prefix lists AWS manages, in every
// region: each gateway service's and CloudFront's origin-facing list.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html — AWS-managed prefix lists
func ServicePrefixLists() []PrefixList {
	out := slices.Clone(servicePrefixLists())
	for i := range out {
		out[i].Versions = [][]PrefixListEntry{slices.Clone(out[i].Versions[0])}
	}
	return out
}

func servicePrefixListByID(id string) (PrefixList, bool) {
	for _, p := range servicePrefixLists() {
		if p.ID == id {
			p.Versions = [][]PrefixListEntry{slices.Clone(p.Versions[0])}
			return p, true
		}
	}
	return ociServicePrefixList(id)
}
