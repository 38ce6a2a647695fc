package main

import (
	"fmt"

	cmazure "github.com/mcnlab/mcnlab/cloudmock/azure"
)

// azureKeyRecords is the kind of the persist record that holds the Azure
// front-end's token signing key (one record, azureKeyRecord).
const (
	azureKeyRecords = "azure-token-key"
	azureKeyRecord  = "signing"
)

// keepAzureKey gives srv the signing key saved in the state file, or saves
// srv's own when the file has none yet: a cloud restarted on its file
// accepts the tokens its clients hold.
func keepAzureKey(cs *cloudState, srv *cmazure.Server) error {
	recs, err := cs.store.Records(azureKeyRecords)
	if err != nil {
		return fmt.Errorf("cloudmock serve --state: %w", err)
	}
	for _, r := range recs {
		if r.Key == azureKeyRecord {
			if err := srv.SetSigningKey(r.Value); err != nil {
				return fmt.Errorf("cloudmock serve --state %s: %w", cs.store.Path(), err)
			}
			return nil
		}
	}
	cs.store.Remember(azureKeyRecords, azureKeyRecord, srv.SigningKey())
	return nil
}
