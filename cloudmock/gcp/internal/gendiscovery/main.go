// Command gendiscovery writes the Compute Engine discovery document that
// cloudmock/gcp serves: the pinned google.golang.org/api module's
// compute/v1/compute-api.json cut to the resources the lab serves and the
// schemas they reach, gzipped. Run it with go generate ./cloudmock/gcp.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// served are the discovery resources of the collections cloudmock/gcp
// serves.
var served = []string{"networks", "subnetworks", "firewalls", "routes", "globalOperations", "regionOperations", "zoneOperations", "projects"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gendiscovery:", err)
		os.Exit(1)
	}
}

func run() error {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "google.golang.org/api").Output()
	if err != nil {
		return fmt.Errorf("go list google.golang.org/api: %w", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "compute", "v1", "compute-api.json")
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("read %s: %w", src, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("parse %s: %w", src, err)
	}
	res, _ := doc["resources"].(map[string]any)
	kept := map[string]any{}
	for _, r := range served {
		if v, ok := res[r]; ok {
			kept[r] = v
		}
	}
	doc["resources"] = kept
	schemas, _ := doc["schemas"].(map[string]any)
	need := map[string]bool{}
	refs(kept, need)
	for changed := true; changed; {
		changed = false
		for n := range need {
			before := len(need)
			refs(schemas[n], need)
			changed = changed || len(need) != before
		}
	}
	keptSchemas := map[string]any{}
	for n := range need {
		keptSchemas[n] = schemas[n]
	}
	doc["schemas"] = keptSchemas
	j, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := w.Write(j); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.WriteFile("discovery.json.gz", gz.Bytes(), 0o644)
}

// refs adds every $ref under v to need.
func refs(v any, need map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				need[s] = true
			}
			refs(e, need)
		}
	case []any:
		for _, e := range x {
			refs(e, need)
		}
	}
}
