package topologies

import (
	"fmt"
	"strings"
)

// awsRegions are AWS's regions, as the lab's cloud has them (its AWS
// profile's regions, which a test of controller/cloud/aws compares); a
// VPC in any other region would fail when the cloud is asked to make it.
// AWS: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html — the Regions and their codes
var awsRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "mx-central-1", "sa-east-1",
	"eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
	"af-south-1", "il-central-1", "me-south-1", "me-central-1",
	"ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
	"us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
}

// AWSRegions returns the AWS regions a topology may place a VPC in.
func AWSRegions() []string { return append([]string(nil), awsRegions...) }

// AWSPartition is the partition of an AWS region (aws, aws-cn or
// aws-us-gov): an account, and so all its VPCs, lives in one.
// AWS: https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html — aws, aws-cn and aws-us-gov; an account is in one partition and IAM credentials work in that partition only
func AWSPartition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// checkRegions checks what the regions of each AWS account's VPCs can
// hold: a region AWS has, and all of an account's VPCs in one partition.
// A VPC whose region field was reported already is skipped. (A site's
// private line is made at a location of its transit's region, so any
// region takes one.)
func (c *checker) checkRegions(cl *Cloud, x *cloudIndex) {
	first := map[string]*VPC{} // account -> its first VPC with a known region
	for _, v := range cl.VPCs {
		if v == nil {
			continue
		}
		a := x.accounts[v.Account]
		rp := join(join("vpcs", v.Name), "region")
		if a == nil || a.Provider != ProviderAWS || c.bad[rp] || !regionRE.MatchString(v.Region) {
			continue
		}
		if !contains(awsRegions, v.Region) {
			c.errf(rp, v.Pos, "unknown AWS region %q%s AWS's regions%s", v.Region, orDot(didYouMean(v.Region, awsRegions)),
				regionsLike(v.Region))
			continue
		}
		f := first[v.Account]
		if f == nil {
			first[v.Account] = v
			continue
		}
		if p, q := AWSPartition(v.Region), AWSPartition(f.Region); p != q {
			c.errf(rp, v.Pos, "region %s is in the AWS partition %s, but account %s has vpc %s in %s (%s), partition %s: an account lives in one partition; "+
				"put vpc %s in a region of %s or give it an account of its own", v.Region, p, v.Account, f.Name, f.Region,
				c.where(join(join("vpcs", f.Name), "region")), q, v.Name, q)
		}
	}
}

// regionsLike lists the AWS regions that share region's first part (its
// geography, such as eu), or all of them.
func regionsLike(region string) string {
	geo, _, _ := strings.Cut(region, "-")
	var out []string
	for _, r := range awsRegions {
		if strings.HasPrefix(r, geo+"-") {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return fmt.Sprintf(" are %s", strings.Join(awsRegions, ", "))
	}
	return fmt.Sprintf(" in %s- are %s", geo, strings.Join(out, ", "))
}
