package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// ProfileEnv names the environment variable that makes a gateway write a
// CPU profile of its whole run: a directory, where the gateway writes
// NAME.cpu.pprof (NAME its --name, or its pid) when it stops. Benches set
// it to find where a gateway's time goes (`go tool pprof`); labs leave it
// unset.
const ProfileEnv = "MCNLAB_GATEWAY_CPUPROFILE"

// startProfile starts the CPU profile that ProfileEnv asks for and returns
// the function that stops and writes it; without ProfileEnv both do
// nothing.
func startProfile(name string) (stop func() error, err error) {
	dir := os.Getenv(ProfileEnv)
	if dir == "" {
		return func() error { return nil }, nil
	}
	if name == "" {
		name = fmt.Sprint(os.Getpid())
	}
	f, err := os.Create(filepath.Join(dir, name+".cpu.pprof"))
	if err != nil {
		return nil, fmt.Errorf("gateway: %s: %w", ProfileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("gateway: %s: %w", ProfileEnv, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
