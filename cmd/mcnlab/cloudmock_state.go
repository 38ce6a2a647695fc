package main

import (
	"fmt"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/cloudmock/persist"
)

// awsTokenRecords is the kind of the persist records that hold the AWS
// front-end's answers to requests with a client token.
const awsTokenRecords = "aws-client-token"

// cloudState is `cloudmock serve --state FILE`: the state file, and what
// the AWS front-end needs from it.
type cloudState struct {
	store  *persist.Store
	loaded bool          // the file held a model, now in the cloud
	tokens []cmaws.Token // the client tokens saved with it
}

// openCloudState opens (or creates, 0600) the state file and loads the
// model it holds into cloud, which must be new.
func openCloudState(path string, cloud *model.Cloud) (*cloudState, error) {
	st, err := persist.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cloudmock serve --state: %w", err)
	}
	cs := &cloudState{store: st}
	if cs.loaded, err = st.Load(cloud); err != nil {
		st.Close()
		return nil, fmt.Errorf("cloudmock serve --state: %w", err)
	}
	recs, err := st.Records(awsTokenRecords)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("cloudmock serve --state: %w", err)
	}
	for _, r := range recs {
		t := cmaws.Token{Key: r.Key}
		if err := t.UnmarshalBinary(r.Value); err != nil {
			st.Close()
			return nil, fmt.Errorf("cloudmock serve --state %s: %w", path, err)
		}
		cs.tokens = append(cs.tokens, t)
	}
	return cs, nil
}

// rememberToken saves an answer to a request with a client token beside
// the model (cmaws.Config.Remember).
func (cs *cloudState) rememberToken(t cmaws.Token) {
	b, _ := t.MarshalBinary() // never fails
	cs.store.Remember(awsTokenRecords, t.Key, b)
}

// addAccounts adds the accounts of the command line that the cloud does
// not have yet with the given limits; an account loaded from the state
// file keeps its saved limits (raised quotas included).
func addAccounts(cloud *model.Cloud, creds []cmaws.Credential, lim model.Limits) {
	for _, c := range creds {
		if _, err := cloud.Account(c.AccountID); err == nil {
			continue
		}
		cloud.AddAccount(model.Account{ID: c.AccountID, Limits: lim})
	}
}
