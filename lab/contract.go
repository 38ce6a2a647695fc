package lab

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strconv"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// The names under which a cloud lab records its daemons (state.Daemon);
// each logs to LogFile(lab, name).
const (
	CloudDaemon      = "cloud"
	ControllerDaemon = "controller"
	// SupervisorDaemon is the supervisor's, which destroy stops first.
	SupervisorDaemon = emulator.SupervisorDaemon
)

// StateRootEnv, when set, moves the labs' state root (state.Root): the
// lab's daemons inherit the root of the process that started them (tests
// use a temporary one).
const StateRootEnv = "MCNLAB_STATE_ROOT"

// The account of a lab's emulated cloud. Its key is random per lab
// (NewCredentials); the published development key (DevAccount) is only
// what a `cloudmock serve` without --lab and without accounts answers to.
const (
	AccountID    = "111111111111"
	DevAccessKey = "AKIDMCNLAB"
	DevSecret    = "mcnlab-secret"
	DevAccount   = AccountID + ":" + DevAccessKey + ":" + DevSecret
)

// cloudProvider is the provider whose API the lab's cloud serves, under
// whose name its endpoint is recorded (EndpointsFile).
const cloudProvider = string(topologies.ProviderAWS)

// AccountsEnv passes a cloud's accounts to `cloudmock serve` (one
// ACCOUNT_ID:ACCESS_KEY_ID:SECRET_ACCESS_KEY per line): a process's
// environment is readable by its own user only, its argv by everyone.
const AccountsEnv = "MCNLAB_CLOUDMOCK_ACCOUNTS"

// NewCredentials makes the endpoint record of a lab account with a random
// key, shaped as AWS's (an access key ID of AKIA and 16 of A-Z2-7, a
// 40-character secret); the URL and regions are the caller's to fill.
func NewCredentials() cloud.Endpoint {
	const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	const secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	return cloud.Endpoint{AccountID: AccountID, Credentials: cloud.Credentials{KeyID: "AKIA" + randomString(idChars, 16),
		Secret: randomString(secretChars, 40)}}
}

// DevEndpoint is the endpoint record of a cloud at url that answers to
// the development key (DevAccount), in region.
func DevEndpoint(url, region string) cloud.Endpoint {
	return cloud.Endpoint{URL: url, Region: region, AccountID: AccountID, Credentials: cloud.Credentials{KeyID: DevAccessKey, Secret: DevSecret}}
}

// randomString draws n characters of chars (32 or 64 of them, so that a
// byte modulo their count is uniform) from crypto/rand.
func randomString(chars string, n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// LogFile is the log of the lab's daemon called name (CloudDaemon,
// ControllerDaemon, SupervisorDaemon) in the lab's state directory.
func LogFile(lab, name string) string { return filepath.Join(state.Dir(lab), name+".log") }

// CloudStateFile is the state file in which a lab's cloud keeps its model
// (cloudmock serve --state).
func CloudStateFile(lab string) string { return filepath.Join(state.Dir(lab), "cloud.db") }

// cloudAddrFile is where a lab's cloud writes the address its API listens
// on (cloudmock serve --addr-file).
func cloudAddrFile(lab string) string { return filepath.Join(state.Dir(lab), "cloud.addr") }

// HasCloudState reports whether the lab's cloud keeps a state file, so that
// a restarted cloud comes back with its model and adopts its dataplane.
func HasCloudState(lab string) bool {
	_, err := os.Stat(CloudStateFile(lab))
	return err == nil
}

// IsCloudLab reports whether the lab runs an emulated cloud with a
// controller.
func IsCloudLab(lab string) bool {
	_, err := os.Stat(EndpointsFile(lab))
	return err == nil
}

// QuotaArgs are the --quota arguments that give the lab's one emulated
// account what the topology's accounts with credentials lab have together:
// for a per-Region quota the sum of their values (raised or default), as
// each would have its own; for any other (per VPC, table, group or zone)
// the largest. Quotas at AWS's default are left out.
func QuotaArgs(accounts []*topologies.Account) []string {
	var args []string
	for _, q := range topologies.Quotas {
		v, n := 0, 0
		for _, a := range accounts {
			if a == nil || (a.Credentials != "" && a.Credentials != "lab") {
				continue
			}
			n++
			if q.PerRegion {
				v += a.Quota(q.Key)
			} else {
				v = max(v, a.Quota(q.Key))
			}
		}
		if n > 0 && v != q.Default {
			args = append(args, "--quota", q.Key+"="+strconv.Itoa(v))
		}
	}
	return args
}
