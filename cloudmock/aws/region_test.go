package aws_test

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// One endpoint serves every region: a client signing for eu-west-1 makes
// subnets in eu-west-1's zones (its default zone too), and a zone of
// another region is refused as AWS refuses it (issue 22: a lab VPC outside
// us-east-1 never came up).
func TestSubnetZonesOfTheSignedRegion(t *testing.T) {
	l := newLab(t)
	eu := ec2.New(ec2.Options{Region: "eu-west-1", BaseEndpoint: sdkaws.String(l.url),
		Credentials:      credentials.NewStaticCredentialsProvider(credA.AccessKeyID, credA.SecretAccessKey, ""),
		RetryMaxAttempts: 1})
	vpc := mkVpc(t, eu, "10.9.0.0/16", "eu")
	s, err := eu.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.9.1.0/24"), AvailabilityZone: sdkaws.String("eu-west-1b")})
	if err != nil {
		t.Fatalf("subnet in eu-west-1b signed for eu-west-1: %v", err)
	}
	if z := sdkaws.ToString(s.Subnet.AvailabilityZone); z != "eu-west-1b" {
		t.Errorf("zone %s, want eu-west-1b", z)
	}
	s, err = eu.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.9.2.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	if z := sdkaws.ToString(s.Subnet.AvailabilityZone); z != "eu-west-1a" {
		t.Errorf("default zone %s, want eu-west-1a", z)
	}
	_, err = eu.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: sdkaws.String("10.9.3.0/24"), AvailabilityZone: sdkaws.String("us-east-1a")})
	wantAPIError(t, err, "InvalidParameterValue")
}
