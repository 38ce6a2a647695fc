package lab

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/mcnlab/mcnlab/emulator/state"
)

// ThreatListFile is where the lab keeps an account's GuardDuty threat
// list, in GuardDuty's TXT format; the lab's cloud reads it from its
// file:// location as GuardDuty reads a list from S3.
func ThreatListFile(lab, account string) string {
	return filepath.Join(state.Dir(lab), "guardduty-"+account+".txt")
}

// ThreatLists is the controller's Options.ThreatLists for a lab: it writes
// the list (atomically, by rename) and returns its file:// location.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_upload-lists.html — Plaintext (TXT): one IP address or CIDR range per line
func ThreatLists(lab string) func(account string, list []netip.Prefix) (string, error) {
	return func(account string, list []netip.Prefix) (string, error) {
		var b strings.Builder
		fmt.Fprintf(&b, "# GuardDuty threat list of account %s in lab %s (mcnlab)\n", account, lab)
		for _, p := range list {
			b.WriteString(p.String() + "\n")
		}
		path := ThreatListFile(lab, account)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
			return "", fmt.Errorf("write threat list of %s: %w", account, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return "", fmt.Errorf("write threat list of %s: %w", account, err)
		}
		return "file://" + path, nil
	}
}
