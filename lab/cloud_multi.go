package lab

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// multiProviders is the order a multi-cloud lab's providers are served
// in: the first present is --provider, the others --also.
var multiProviders = []string{cloudProvider, azureProvider, gcpProvider, ociProvider}

// startMultiCloud starts the lab's emulated clouds for a plan whose lab
// accounts are of several providers: one process (`mcnlab cloudmock serve
// --lab LAB --join --also ...`) serving each provider's API on its own
// address over one model, so that one realizer makes them all in the
// lab and the gateways of every cloud reach each other's public addresses
// over the one emulated internet. Each provider gets new credentials,
// as a lab of that cloud alone does, and its endpoint record.
func startMultiCloud(ctx context.Context, lab string, cp *intent.Plan, o Options) error {
	eps, listen := map[string]cloud.Endpoint{}, map[string]string{}
	ps := labProviders(cp)
	for _, p := range multiProviders {
		if !ps[p] {
			continue
		}
		switch p {
		case cloudProvider:
			eps[p] = NewCredentials()
		case azureProvider:
			eps[p] = NewAzureCredentials()
		case ociProvider:
			e, err := NewOCICredentials()
			if err != nil {
				return err
			}
			eps[p] = e
		default:
			eps[p] = NewGCPCredentials()
		}
		listen[p] = "127.0.0.1:0"
	}
	return startMultiCloudAs(ctx, lab, cp, eps, listen, o)
}

// restartMultiCloud is RestartCloud for a multi-cloud lab: on its state
// file (every cloud's model in one), with every provider's credentials
// and address as recorded.
func restartMultiCloud(ctx context.Context, lab string, cp *intent.Plan, o Options) error {
	prev, err := ReadEndpoints(lab)
	if err != nil {
		return err
	}
	eps, listen := map[string]cloud.Endpoint{}, map[string]string{}
	for p := range labProviders(cp) {
		e, ok := prev[p]
		u, err := url.Parse(e.URL)
		if !ok || err != nil || u.Host == "" {
			return fmt.Errorf("restart the clouds of lab %s: %s records no address of %s (%q)", lab, EndpointsFile(lab), p, e.URL)
		}
		eps[p], listen[p] = e, u.Host
	}
	return startMultiCloudAs(ctx, lab, cp, eps, listen, o)
}

// startMultiCloudAs is startMultiCloud with each provider's credentials
// and listen address given.
func startMultiCloudAs(ctx context.Context, lab string, cp *intent.Plan, eps map[string]cloud.Endpoint, listen map[string]string, o Options) error {
	self, err := o.self()
	if err != nil {
		return err
	}
	addrFile := cloudAddrFile(lab)
	if err := os.Remove(addrFile); err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, pr := range []topologies.Provider{topologies.ProviderGCP, topologies.ProviderOCI} {
		if len(circuitArgs(lab, cp, pr)) > 0 {
			// The one process's --circuit lines are the AWS account's.
			return fmt.Errorf("lab %s: a private line to a %s transit is served in a lab of %s alone, not beside other clouds yet", lab, strings.ToUpper(string(pr)), strings.ToUpper(string(pr)))
		}
	}
	argv := []string{self, "cloudmock", "serve", "--lab", lab, "--join", "--addr-file", addrFile}
	var accounts []string
	first := true
	for _, p := range multiProviders {
		e, ok := eps[p]
		if !ok {
			continue
		}
		if first {
			argv = append(argv, "--provider", p, "--listen", listen[p])
			first = false
		} else {
			argv = append(argv, "--also", p+"="+listen[p])
		}
		switch p {
		case gcpProvider:
			accounts = append(accounts, p+"/"+e.AccountID+":"+e.Credentials.Secret)
		case ociProvider:
			region := providerRegions(cp, p)[0]
			acct, err := ociAccount(lab, e, region)
			if err != nil {
				return err
			}
			accounts = append(accounts, p+"/"+acct)
			argv = append(argv, "--oci-region", region)
		default:
			accounts = append(accounts, p+"/"+accountsOf(e))
		}
	}
	argv = append(argv, "--state", CloudStateFile(lab))
	if _, ok := eps[cloudProvider]; ok {
		argv = append(argv, awsCloudArgs(lab, cp)...)
	} else {
		argv = append(append(argv, uplinkArgs(lab, cp)...), internetArgs(lab, cp)...)
	}
	out, err := runCloud(ctx, lab, argv, strings.Join(accounts, " "))
	if err != nil {
		return err
	}
	addrs := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if p, a, ok := strings.Cut(l, " "); ok {
			addrs[p] = a
		}
	}
	for p, e := range eps {
		addr, ok := addrs[p]
		if !ok {
			return fmt.Errorf("lab %s: the cloud wrote no address of %s to %s: %q", lab, p, addrFile, out)
		}
		regions := providerRegions(cp, p)
		e.Region, e.Regions = regions[0], regions
		switch p {
		case cloudProvider:
			e.URL = "http://" + addr
		case azureProvider:
			e.URL = "https://" + addr
		case ociProvider:
			e.URL = "http://" + addr
		default:
			e.URL = "http://" + addr + "/compute/v1/"
		}
		if _, err := os.Stat(CAFile(lab)); err == nil {
			e.CAFile = CAFile(lab)
		}
		if err := WriteEndpoint(lab, p, e); err != nil {
			return err
		}
	}
	return nil
}

// isMultiCloud says whether the plan's lab accounts are of more than one
// provider.
func isMultiCloud(cp *intent.Plan) bool {
	n := 0
	for p := range labProviders(cp) {
		if slices.Contains(multiProviders, p) {
			n++
		}
	}
	return n > 1
}
