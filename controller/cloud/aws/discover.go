package aws

import (
	"context"
	"errors"
	"fmt"
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/mcnlab/mcnlab/topologies"
)

// LookIn names regions where the owner may have objects left from an
// earlier desired state (the lab's endpoint record lists the regions its
// topology used). The first Plan, Apply or Observe looks for the owner's
// objects in each of them and in each region the endpoint lists
// (DescribeRegions; all of the home region's partition where the endpoint
// does not answer it, as the lab's cloud); from then on every one that
// holds any is reconciled, so that Apply empties a region no desired
// state places a VPC in. It returns r, and is meant to be called before
// the first of those.
func (r *Regional) LookIn(regions ...string) *Regional {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookIn = append(r.lookIn, regions...)
	return r
}

// discover looks, once it succeeds, for the owner's objects in the regions
// of LookIn and DescribeRegions that it has not seen: each that holds an
// object tagged with the owner (DescribeTags) gets a Provider.
func (r *Regional) discover(ctx context.Context) error {
	r.mu.Lock()
	if r.discovered {
		r.mu.Unlock()
		return nil
	}
	home := r.providerLocked(r.cfg.Region)
	candidates := slices.Clone(r.lookIn)
	r.mu.Unlock()
	listed, err := regionNames(ctx, home.ec2, r.cfg.Region)
	if err != nil {
		return err
	}
	candidates = append(candidates, listed...)
	slices.Sort(candidates)
	for _, reg := range slices.Compact(candidates) {
		r.mu.Lock()
		_, seen := r.regions[reg]
		r.mu.Unlock()
		if seen || reg == "" {
			continue
		}
		cfg := r.cfg.Copy()
		cfg.Region = reg
		has, err := ownerHasObjects(ctx, ec2.NewFromConfig(cfg), r.owner)
		if err != nil {
			return fmt.Errorf("look for the objects of %s in region %s: %w", r.owner, reg, err)
		}
		r.mu.Lock()
		if has {
			r.providerLocked(reg)
		}
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.discovered = true
	r.mu.Unlock()
	return nil
}

// regionNames lists the regions enabled for the account; for an endpoint
// that does not answer DescribeRegions (the lab's cloud), AWS's regions of
// home's partition.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html — the Regions enabled for the account
func regionNames(ctx context.Context, c *ec2.Client, home string) ([]string, error) {
	out, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "InvalidAction" || ae.ErrorCode() == "UnsupportedOperation") {
		return slices.DeleteFunc(topologies.AWSRegions(), func(r string) bool {
			return topologies.AWSPartition(r) != topologies.AWSPartition(home)
		}), nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe regions: %w", err)
	}
	var names []string
	for _, g := range out.Regions {
		names = append(names, sdkaws.ToString(g.RegionName))
	}
	return names, nil
}

// ownerHasObjects reports whether the client's region holds any object
// tagged with owner.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTags.html — filters key and value; MaxResults 5 to 1000
func ownerHasObjects(ctx context.Context, c *ec2.Client, owner string) (bool, error) {
	out, err := c.DescribeTags(ctx, &ec2.DescribeTagsInput{MaxResults: sdkaws.Int32(5), Filters: []ec2types.Filter{
		{Name: sdkaws.String("key"), Values: []string{TagOwner}}, {Name: sdkaws.String("value"), Values: []string{owner}}}})
	if err != nil {
		return false, fmt.Errorf("describe tags: %w", err)
	}
	return len(out.Tags) > 0, nil
}
