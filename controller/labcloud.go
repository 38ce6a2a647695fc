package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mcnlab/mcnlab/emulator/state"
)

// LabCloud is where a lab's emulated cloud answers and the credentials of
// its account: what an account with credentials "lab" uses.
type LabCloud struct {
	URL             string `json:"url"`
	Region          string `json:"region"`
	AccountID       string `json:"account_id"`
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// LabCloudFile is the file that records a lab's emulated cloud.
func LabCloudFile(lab string) string { return filepath.Join(state.Dir(lab), "cloud.json") }

// WriteLabCloud records the lab's emulated cloud (0600: it holds a secret).
func WriteLabCloud(lab string, c LabCloud) error {
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := os.WriteFile(LabCloudFile(lab), b, 0o600); err != nil {
		return fmt.Errorf("record cloud of lab %s: %w", lab, err)
	}
	return nil
}

// ReadLabCloud reads what WriteLabCloud recorded.
func ReadLabCloud(lab string) (LabCloud, error) {
	var c LabCloud
	b, err := os.ReadFile(LabCloudFile(lab))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return c, fmt.Errorf("lab %s has no emulated cloud running (no %s)", lab, LabCloudFile(lab))
		}
		return c, fmt.Errorf("read cloud of lab %s: %w", lab, err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("read cloud of lab %s: %w", lab, err)
	}
	return c, nil
}

// TopologyFile is the copy of the topology a lab's controller runs (the
// one deploy keeps in the lab's state directory).
func TopologyFile(lab string) string { return filepath.Join(state.Dir(lab), "topology.yaml") }

// DBFile is the controller's database of a lab.
func DBFile(lab string) string { return filepath.Join(state.Dir(lab), "controller.db") }
