package aws_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Serve the EC2 API for one account and use it with the official SDK.
func ExampleNew() {
	cloud := model.New()
	h := cmaws.New(cloud, cmaws.Config{Region: "us-east-1", Credentials: []cmaws.Credential{
		{AccountID: "123456789012", AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "secret"},
	}})
	srv := httptest.NewServer(h)
	defer srv.Close()

	client := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", "")})
	out, err := client.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.0.0.0/16")})
	if err != nil {
		fmt.Println(err)
		return
	}
	n, _ := cloud.Network("123456789012", *out.Vpc.VpcId)
	fmt.Println(*out.Vpc.CidrBlock, n.MainRouteTableID != "")
	// Output: 10.0.0.0/16 true
}
