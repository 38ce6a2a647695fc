package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// persisting is a management backend that writes every configuration it
// applies successfully to a file, so that a restarted gateway comes back
// with the configuration last PUT and rejoins without the controller.
type persisting struct {
	mgmt.Backend
	path string

	mu sync.Mutex // serialises Apply and the write that follows it, so the file holds the last config applied
}

// Apply implements mgmt.Backend: it applies cfg, then saves what is in
// place. A failed save is an error of the PUT (the config is in place but
// would not survive a restart).
func (p *persisting) Apply(ctx context.Context, cfg mgmt.Config) (mgmt.Config, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	got, err := p.Backend.Apply(ctx, cfg)
	if err != nil {
		return got, err
	}
	if err := saveConfig(p.path, got); err != nil {
		return got, err
	}
	return got, nil
}

// loadConfig reads a saved configuration; ok is false when the file does
// not exist.
func loadConfig(path string) (cfg mgmt.Config, ok bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return mgmt.Config{}, false, nil
	}
	if err != nil {
		return mgmt.Config{}, false, fmt.Errorf("load gateway config: %w", err)
	}
	defer f.Close()
	cfg, err = mgmt.DecodeConfig(f)
	if err != nil {
		return mgmt.Config{}, false, fmt.Errorf("load gateway config %s: %w", path, err)
	}
	return cfg, true, nil
}

// saveConfig writes cfg to path atomically (a temporary file in the same
// directory, synced, then renamed over it) with mode 0600: it holds the
// gateway's private key.
func saveConfig(path string, cfg mgmt.Config) error {
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("save gateway config %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("save gateway config %s: %w", path, err)
	}
	tmp := f.Name()
	werr := func() error {
		if err := f.Chmod(0o600); err != nil {
			return err
		}
		if _, err := f.Write(append(b, '\n')); err != nil {
			return err
		}
		return f.Sync()
	}()
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("save gateway config %s: %w", path, werr)
	}
	return nil
}
