package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/mcnlab/mcnlab/cloudmock/realize"
	"github.com/mcnlab/mcnlab/emulator/internet"
	mcnlab "github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

// parseInternet reads the internet block of the topology file that
// `cloudmock serve --internet` names (the lab's own copy when the lab's
// supervisor starts the cloud); "" is none.
func parseInternet(file, lab string) (*topologies.Internet, error) {
	if file == "" {
		return nil, nil
	}
	if lab == "" {
		return nil, errors.New("--internet needs --lab: the internet's services run in a lab's namespaces")
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--internet: %w", err)
	}
	t, err := topologies.Parse(file, src)
	if err != nil {
		return nil, fmt.Errorf("--internet: %w", err)
	}
	if t.Internet == nil {
		return nil, fmt.Errorf("--internet: %s has no internet block", file)
	}
	return t.Internet, nil
}

// withInternet sets o's internet from in, if any: its servers and
// resolver, with certificates from the lab's CA (made in the lab's state
// directory if the lab has none), and its client hosts' addresses.
func withInternet(lab string, o realize.Options, in *topologies.Internet) (realize.Options, error) {
	if in == nil {
		return o, nil
	}
	ca, err := mcnlab.MakeCA(lab)
	if err != nil {
		return o, fmt.Errorf("--internet: %w", err)
	}
	cfg := internet.FromTopology(in, internet.CA{Cert: ca.Cert, Key: ca.Signer()})
	cfg.ErrorLog = cloudLog
	o.Internet = &cfg
	for _, h := range in.Hosts {
		if h.Role == topologies.RoleClient {
			o.InternetAddresses = append(o.InternetAddresses, h.Address)
		}
	}
	return o, nil
}
