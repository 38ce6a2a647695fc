package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func newCloudmock() *cobra.Command {
	c := &cobra.Command{Use: "cloudmock", Short: "The emulated clouds' control-plane APIs"}
	var listen, region string
	var accounts []string
	serve := &cobra.Command{
		Use:   "serve [--listen ADDR] [--account ID:KEY:SECRET]...",
		Short: "Serve the AWS EC2 API on loopback for the AWS SDKs and CLI (--endpoint-url)",
		Long: `Serve cloudmock's AWS EC2 Query API (version 2016-11-15, Signature V4) on a
loopback address. Each --account gives an account ID and its access key; each
account sees only its own resources. Point the AWS CLI at it with
  AWS_ACCESS_KEY_ID=KEY AWS_SECRET_ACCESS_KEY=SECRET aws --region us-east-1 \
    --endpoint-url http://ADDR ec2 describe-vpcs`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			creds, err := parseAccounts(accounts)
			if err != nil {
				return err
			}
			host, _, err := net.SplitHostPort(listen)
			if err != nil {
				return fmt.Errorf("--listen %q: %w", listen, err)
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return fmt.Errorf("--listen %q: cloudmock serves on loopback only (127.0.0.0/8, [::1] or localhost)", listen)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("cloudmock serve: %w", err)
			}
			srv := &http.Server{Handler: cmaws.New(model.New(), cmaws.Config{Region: region, Credentials: creds}), ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(cmd.OutOrStdout(), "cloudmock: AWS EC2 API on http://%s (region %s, %d accounts); Ctrl-C stops it\n", ln.Addr(), region, len(creds))
			go func() {
				<-cmd.Context().Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				srv.Shutdown(ctx)
			}()
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	serve.Flags().StringVar(&listen, "listen", "127.0.0.1:4566", "loopback address to serve on")
	serve.Flags().StringVar(&region, "region", "us-east-1", "the region the API answers for")
	serve.Flags().StringArrayVar(&accounts, "account", []string{"111111111111:AKIDMCNLAB:mcnlab-secret"}, "ACCOUNT_ID:ACCESS_KEY_ID:SECRET_ACCESS_KEY (repeatable)")
	c.AddCommand(serve)
	return c
}

func parseAccounts(specs []string) ([]cmaws.Credential, error) {
	var out []cmaws.Credential
	for _, s := range specs {
		f := strings.SplitN(s, ":", 3)
		if len(f) != 3 || len(f[0]) != 12 || strings.Trim(f[0], "0123456789") != "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("--account %q: want ACCOUNT_ID:ACCESS_KEY_ID:SECRET_ACCESS_KEY with a 12-digit account ID", s)
		}
		out = append(out, cmaws.Credential{AccountID: f[0], AccessKeyID: f[1], SecretAccessKey: f[2]})
	}
	return out, nil
}
