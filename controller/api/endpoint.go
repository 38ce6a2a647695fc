package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mcnlab/mcnlab/emulator/state"
)

// Endpoint is the content of a lab's controller.json: where its controller
// serves the API.
type Endpoint struct {
	URL string `json:"url"`
}

// EndpointFile is the file in a lab's state directory that names its
// controller's URL; it exists while the controller serves.
func EndpointFile(lab string) string { return filepath.Join(state.Dir(lab), "controller.json") }

// TokenFile is the file (0600) in a lab's state directory that holds the
// controller's admin token.
func TokenFile(lab string) string { return filepath.Join(state.Dir(lab), "admin.token") }

// WriteEndpoint records, for the CLI, where a lab's controller serves and
// its admin token. Each file is replaced atomically; the token file first,
// so that a reader that finds the URL finds the token too.
func WriteEndpoint(lab, apiURL, adminToken string) error {
	if err := state.CheckName(lab); err != nil {
		return fmt.Errorf("write controller endpoint: %w", err)
	}
	if err := checkURL(apiURL); err != nil {
		return fmt.Errorf("write controller endpoint of lab %s: %w", lab, err)
	}
	if err := os.MkdirAll(state.Dir(lab), 0o755); err != nil {
		return fmt.Errorf("write controller endpoint of lab %s: %w", lab, err)
	}
	if err := writeFile(TokenFile(lab), []byte(adminToken+"\n"), 0o600); err != nil {
		return fmt.Errorf("write admin token of lab %s: %w", lab, err)
	}
	b, err := json.Marshal(Endpoint{URL: apiURL})
	if err != nil {
		return fmt.Errorf("write controller endpoint of lab %s: %w", lab, err)
	}
	if err := writeFile(EndpointFile(lab), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write controller endpoint of lab %s: %w", lab, err)
	}
	return nil
}

// RemoveEndpoint removes what WriteEndpoint wrote; missing files are not an
// error. The controller calls it when it stops serving.
func RemoveEndpoint(lab string) error {
	var errs []error
	for _, f := range []string{EndpointFile(lab), TokenFile(lab)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove controller endpoint of lab %s: %w", lab, err)
	}
	return nil
}

// ControllerURL reads the URL of a lab's controller from EndpointFile. An
// error wrapping os.ErrNotExist says that no controller serves the lab.
func ControllerURL(lab string) (string, error) {
	b, err := os.ReadFile(EndpointFile(lab))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("lab %s has no running controller: %w", lab, err)
		}
		return "", fmt.Errorf("read controller endpoint of lab %s: %w", lab, err)
	}
	var e Endpoint
	if err := json.Unmarshal(b, &e); err != nil {
		return "", fmt.Errorf("read controller endpoint of lab %s: %s: %w", lab, EndpointFile(lab), err)
	}
	if err := checkURL(e.URL); err != nil {
		return "", fmt.Errorf("read controller endpoint of lab %s: %s: %w", lab, EndpointFile(lab), err)
	}
	return e.URL, nil
}

// ControllerEndpoint returns the URL of a lab's controller and its admin
// token, from EndpointFile and TokenFile. Reading the token needs the
// rights of the user that runs the controller (root, usually).
func ControllerEndpoint(lab string) (apiURL, token string, err error) {
	if apiURL, err = ControllerURL(lab); err != nil {
		return "", "", err
	}
	b, err := os.ReadFile(TokenFile(lab))
	if err != nil {
		return "", "", fmt.Errorf("read admin token of lab %s: %w", lab, err)
	}
	token = strings.TrimSpace(string(b))
	if token == "" {
		return "", "", fmt.Errorf("read admin token of lab %s: %s is empty", lab, TokenFile(lab))
	}
	return apiURL, token, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("controller URL %q: want http://HOST:PORT or https://HOST:PORT", s)
	}
	return nil
}

// writeFile replaces path atomically with a file of the given mode.
func writeFile(path string, b []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*") // 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
