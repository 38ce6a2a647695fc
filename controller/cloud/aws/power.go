package aws

import (
	"context"
	"errors"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var _ cloud.Powerer = (*Provider)(nil)

// SetPower stops or starts instance key and waits until EC2 reports it
// stopped or running.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Stop_Start.html — a stopped instance keeps its private address and interfaces; StartInstances runs it again
func (p *Provider) SetPower(ctx context.Context, key string, on bool) error {
	out, err := p.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: p.ownerFilters(
		filter("tag:"+TagKey, key), filter("instance-state-name", "pending", "running", "stopping", "stopped"))})
	if err != nil {
		return fmt.Errorf("describe instance %s: %w", key, err)
	}
	var id string
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if p.owns(in.Tags) {
				id = sdkaws.ToString(in.InstanceId)
			}
		}
	}
	if id == "" {
		return fmt.Errorf("instance %s in %s: %w", key, p.region, errNoInstance)
	}
	ids := &ec2.DescribeInstancesInput{InstanceIds: []string{id}}
	if on {
		if _, err := p.ec2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
			return fmt.Errorf("start instance %s (%s): %w", key, id, err)
		}
		return ec2.NewInstanceRunningWaiter(p.ec2).Wait(ctx, ids, waitLimit)
	}
	if _, err := p.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		return fmt.Errorf("stop instance %s (%s): %w", key, id, err)
	}
	return ec2.NewInstanceStoppedWaiter(p.ec2).Wait(ctx, ids, waitLimit)
}

var _ cloud.Powerer = (*Regional)(nil)

// SetPower stops or starts the instance in whichever region holds it.
func (r *Regional) SetPower(ctx context.Context, key string, on bool) error {
	if err := r.discover(ctx); err != nil {
		return err
	}
	for _, reg := range r.order() {
		r.mu.Lock()
		p := r.regions[reg]
		r.mu.Unlock()
		if err := p.SetPower(ctx, key, on); !errors.Is(err, errNoInstance) {
			return err
		}
	}
	return fmt.Errorf("instance %s: %w in any region of owner %s", key, errNoInstance, r.owner)
}
