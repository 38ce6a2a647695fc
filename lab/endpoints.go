package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// EndpointsFile is the record of a lab's emulated cloud: one
// cloud.Endpoint per provider (URL, regions, account, key, the lab's CA).
// It is 0600: it holds the account's secret.
func EndpointsFile(lab string) string { return filepath.Join(state.Dir(lab), "cloud.json") }

// TopologyFile is the copy of the topology a lab's controller runs (the
// one deploy keeps in the lab's state directory).
func TopologyFile(lab string) string { return filepath.Join(state.Dir(lab), "topology.yaml") }

// DBFile is the controller's database of a lab.
func DBFile(lab string) string { return filepath.Join(state.Dir(lab), "controller.db") }

// endpointsVersion is the version of EndpointsFile's format that
// WriteEndpoints writes. Version 1, which has no version field, is one
// AWS endpoint with flat fields (url, region, account_id, access_key_id,
// secret_access_key), as labs deployed before the endpoint record wrote
// it; ReadEndpoints reads it still, so that such a lab can be destroyed.
const endpointsVersion = 2

// endpointsRecord is EndpointsFile's content.
type endpointsRecord struct {
	Version   int                       `json:"version"`
	Endpoints map[string]cloud.Endpoint `json:"endpoints"`
}

// legacyRecord is version 1 of EndpointsFile.
type legacyRecord struct {
	URL             string `json:"url"`
	Region          string `json:"region"`
	AccountID       string `json:"account_id"`
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// WriteEndpoints records the lab's emulated cloud, one endpoint by
// provider name, replacing what was recorded (0600: it holds secrets).
func WriteEndpoints(lab string, eps map[string]cloud.Endpoint) error {
	b, err := json.MarshalIndent(endpointsRecord{Version: endpointsVersion, Endpoints: eps}, "", "  ")
	if err != nil {
		return fmt.Errorf("record cloud of lab %s: %w", lab, err)
	}
	f := EndpointsFile(lab)
	// Write a new file and rename it over the old, so that a reader never
	// sees half a record and the mode is 0600 even if the old one was not.
	tmp := f + ".new"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("record cloud of lab %s: %w", lab, err)
	}
	if err := os.Rename(tmp, f); err != nil {
		return errors.Join(fmt.Errorf("record cloud of lab %s: %w", lab, err), os.Remove(tmp))
	}
	return nil
}

// WriteEndpoint records one provider's endpoint of the lab, keeping the
// others recorded.
func WriteEndpoint(lab, provider string, e cloud.Endpoint) error {
	eps, err := ReadEndpoints(lab)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if eps == nil {
		eps = map[string]cloud.Endpoint{}
	}
	eps[provider] = e
	return WriteEndpoints(lab, eps)
}

// ReadEndpoints reads what WriteEndpoints recorded, or a version 1 record
// as its AWS endpoint. An error wraps os.ErrNotExist when the lab has no
// record and fs.ErrPermission when it may not be read.
func ReadEndpoints(lab string) (map[string]cloud.Endpoint, error) {
	f := EndpointsFile(lab)
	b, err := os.ReadFile(f)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("lab %s has no emulated cloud running (no %s): %w", lab, f, err)
		}
		return nil, fmt.Errorf("read cloud of lab %s: %w", lab, err)
	}
	return parseEndpoints(lab, b)
}

// parseEndpoints parses EndpointsFile's content, of either version.
func parseEndpoints(lab string, b []byte) (map[string]cloud.Endpoint, error) {
	var probe struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("read cloud of lab %s: %w", lab, err)
	}
	switch probe.Version {
	case 0:
		var l legacyRecord
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("read cloud of lab %s: %w", lab, err)
		}
		return map[string]cloud.Endpoint{"aws": {URL: l.URL, Region: l.Region, AccountID: l.AccountID,
			Credentials: cloud.Credentials{KeyID: l.AccessKeyID, Secret: l.SecretAccessKey}}}, nil
	case endpointsVersion:
		var r endpointsRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("read cloud of lab %s: %w", lab, err)
		}
		if r.Endpoints == nil {
			r.Endpoints = map[string]cloud.Endpoint{}
		}
		return r.Endpoints, nil
	}
	return nil, fmt.Errorf("read cloud of lab %s: %s is of version %d; this mcnlab reads versions 1 and %d", lab, EndpointsFile(lab), probe.Version, endpointsVersion)
}

// ReadEndpoint reads the endpoint of one provider of the lab.
func ReadEndpoint(lab, provider string) (cloud.Endpoint, error) {
	eps, err := ReadEndpoints(lab)
	if err != nil {
		return cloud.Endpoint{}, err
	}
	e, ok := eps[provider]
	if !ok {
		names := make([]string, 0, len(eps))
		for n := range eps {
			names = append(names, n)
		}
		slices.Sort(names)
		return e, fmt.Errorf("lab %s has no emulated %s cloud (%s records %v)", lab, provider, EndpointsFile(lab), names)
	}
	return e, nil
}

// cloudRegions lists the regions that the plan's accounts on the lab's
// cloud (credentials lab) use: the first such account's home region first,
// then every other region of their VPCs in the order the topology gives
// them. The lab's cloud answers every region at one URL; the endpoint
// record lists them (cloud.Endpoint.Regions) so that its readers need not
// compile the topology.
func cloudRegions(cp *intent.Plan) []string { return providerRegions(cp, "") }

// providerRegions is cloudRegions of the accounts of one provider (all
// for ""), the regions of its endpoint record in a multi-cloud lab.
func providerRegions(cp *intent.Plan, provider string) []string {
	var out []string
	add := func(r string) {
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	for _, a := range cp.Accounts {
		if c := a.Account.Credentials; c != "" && c != "lab" {
			continue
		}
		if provider != "" && string(a.Account.Provider) != provider {
			continue
		}
		add(a.Region)
		for _, v := range a.Desired.VPCs {
			add(v.Region)
		}
	}
	return out
}
