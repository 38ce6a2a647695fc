package main

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	ctlcloud "github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// envProviders are the providers whose clients `cloudmock env` can point
// at a lab, in the order its error lists them.
var envProviders = []string{"aws", "azure", "gcp", "oci"}

func newCloudmockEnv() *cobra.Command {
	var lab, provider string
	c := &cobra.Command{
		Use:   "env [--lab NAME] [--provider aws|azure|gcp|oci]",
		Short: "Print the shell lines that point a provider's CLI and SDKs at a lab's emulated cloud",
		Long: `env prints shell lines that point a cloud provider's own CLI and SDKs at
the emulated cloud of a running lab, with the lab's account and its random
key (readable by root only: run it as the user who deployed the lab):

  eval "$(sudo mcnlab cloudmock env --lab LAB)"
  aws ec2 describe-vpcs

--lab may be left out when only one lab runs. For AWS (--provider aws, the
default) it prints:

  export AWS_ENDPOINT_URL=...       the lab's cloud, for every AWS service: read
                                    by the AWS CLI (v2 from 2.13; v1 1.45 seen
                                    working here), aws-sdk-go-v2 (config
                                    v1.21.0 of November 2023 and later), boto3
                                    and the other SDKs that read configured
                                    endpoint URLs
  export AWS_ACCESS_KEY_ID=...      the access key of the lab's account
  export AWS_SECRET_ACCESS_KEY=...  its secret
  export AWS_DEFAULT_REGION=...     the lab cloud's region, for the AWS CLI
  export AWS_REGION=...             the same, for the SDKs (aws-sdk-go-v2 reads
                                    only this one)
  unset AWS_SESSION_TOKEN ...       drops what would override the lines above
                                    or spoil their requests: a session token
                                    of a real account, a named profile, the
                                    per-service endpoints AWS_ENDPOINT_URL_EC2,
                                    AWS_ENDPOINT_URL_DIRECT_CONNECT and
                                    AWS_ENDPOINT_URL_GUARDDUTY, and
                                    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
  aws() { ... }                     a shell function that passes
                                    --endpoint-url "$AWS_ENDPOINT_URL" to the
                                    aws command, for AWS CLI releases that do
                                    not read AWS_ENDPOINT_URL (v2 before 2.13,
                                    as Debian 12's 2.9); it adds nothing once
                                    AWS_ENDPOINT_URL is unset, and
                                    'unset -f aws' removes it

AWS_CA_BUNDLE (the lab's certificate authority) follows once a lab's cloud
serves HTTPS; today it serves plain HTTP on loopback. Values are quoted
for POSIX shells (sh, bash, zsh). Only the AWS APIs that cloudmock serves
(EC2 and Direct Connect) answer at the endpoint.` + azureEnvLong + gcpEnvLong + ociEnvLong,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(envProviders, provider) {
				return fmt.Errorf("--provider %q: cloudmock env supports %s", provider, strings.Join(envProviders, ", "))
			}
			name, err := onlyLab(lab)
			if err != nil {
				return err
			}
			if err := state.CheckName(name); err != nil {
				return fmt.Errorf("--lab: %w", err)
			}
			lc, err := mcnlab.ReadEndpoint(name, provider)
			if errors.Is(err, fs.ErrPermission) {
				return fmt.Errorf("%w (the lab's key is readable by root only: run it with sudo)", err)
			}
			if err != nil {
				return err
			}
			envOf := awsEnv
			switch provider {
			case "azure":
				envOf = azureEnv
			case "gcp":
				envOf = gcpEnv
			case "oci":
				envOf = ociEnv
			}
			lines, err := envOf(name, lc)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), lines)
			return err
		},
	}
	c.Flags().StringVar(&lab, labFlag, "", "the lab `NAME` (may be left out when only one lab runs)")
	c.Flags().StringVar(&provider, "provider", "aws", "whose CLI and SDKs to point at the lab: "+strings.Join(envProviders, ", "))
	return c
}

// awsEnv is the shell text that points the AWS CLI and SDKs at lab's cloud
// lc; an HTTPS endpoint needs lc.CAFile, the lab CA's certificate file
// (AWS_CA_BUNDLE), which a plain HTTP one leaves out.
func awsEnv(lab string, lc ctlcloud.Endpoint) (string, error) {
	caFile := ""
	if strings.HasPrefix(lc.URL, "https://") {
		caFile = lc.CAFile
	}
	if lc.URL == "" || lc.Region == "" || lc.Credentials.KeyID == "" || lc.Credentials.Secret == "" {
		return "", fmt.Errorf("lab %s: its cloud record %s lacks the URL, region or key", lab, mcnlab.EndpointsFile(lab))
	}
	if strings.HasPrefix(lc.URL, "https://") && caFile == "" {
		return "", fmt.Errorf("lab %s: its cloud serves HTTPS (%s) but no certificate authority is known to trust it", lab, lc.URL)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# lab %s: emulated AWS cloud at %s, account %s, region %s\n", lab, lc.URL, lc.AccountID, lc.Region)
	export := func(k, v string) { fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v)) }
	export("AWS_ENDPOINT_URL", lc.URL)
	export("AWS_ACCESS_KEY_ID", lc.Credentials.KeyID)
	export("AWS_SECRET_ACCESS_KEY", lc.Credentials.Secret)
	export("AWS_DEFAULT_REGION", lc.Region)
	export("AWS_REGION", lc.Region)
	if caFile != "" {
		export("AWS_CA_BUNDLE", caFile)
	}
	b.WriteString("unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_EC2 AWS_ENDPOINT_URL_DIRECT_CONNECT AWS_ENDPOINT_URL_GUARDDUTY AWS_IGNORE_CONFIGURED_ENDPOINT_URLS\n")
	b.WriteString("# for AWS CLI releases that ignore AWS_ENDPOINT_URL (v2 before 2.13); 'unset -f aws' removes it\n")
	b.WriteString(`aws() { command aws ${AWS_ENDPOINT_URL:+--endpoint-url "$AWS_ENDPOINT_URL"} "$@"; }` + "\n")
	return b.String(), nil
}

// shellQuote quotes s as one word for a POSIX shell: inside single quotes
// nothing is special, and a single quote in s ends the quoted part, is
// written escaped (\') and opens another.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
