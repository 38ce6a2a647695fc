package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mcnlab/mcnlab/emulator/netns"
)

// charonPath is where Debian installs strongSwan's IKE daemon.
const charonPath = "/usr/lib/ipsec/charon"

// strongSwanPackages are the Debian packages the baseline needs: charon,
// swanctl, kernel-libipsec (userspace ESP, in libcharon-extra-plugins) and
// the gcm/aesni/openssl plugins for AES-GCM.
const strongSwanPackages = "strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins"

// strongSwan is the outside baseline: one charon per gateway with the
// kernel-libipsec plugin, which processes ESP in userspace over a TUN
// device (ipsec0), one IKEv2 tunnel with a pre-shared key and AES-GCM.
type strongSwan struct {
	dir   string
	procs []*exec.Cmd
}

// strongSwanMissing says what is missing to run the baseline, "" if
// nothing is.
func strongSwanMissing() string {
	for _, f := range []string{charonPath, "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so", "/usr/lib/ipsec/plugins/libstrongswan-gcm.so"} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Sprintf("strongSwan not installed (%s missing; apt-get install %s)", f, strongSwanPackages)
		}
	}
	if _, err := exec.LookPath("swanctl"); err != nil {
		return "strongSwan not installed (no swanctl; apt-get install " + strongSwanPackages + ")"
	}
	return ""
}

// startStrongSwan starts charon in both gateways with generated
// configurations, loads them and brings the tunnel up. When strongSwan is
// not installed it returns the reason to skip and no error.
func startStrongSwan(ctx context.Context, l *hpeLab) (*strongSwan, string, error) {
	if why := strongSwanMissing(); why != "" {
		return nil, why, nil
	}
	dir, err := os.MkdirTemp("", "mcnlab-strongswan-")
	if err != nil {
		return nil, "", fmt.Errorf("strongswan: %w", err)
	}
	s := &strongSwan{dir: dir}
	psk := make([]byte, 32)
	if _, err := rand.Read(psk); err != nil {
		return nil, "", errors.Join(fmt.Errorf("strongswan psk: %w", err), s.Close())
	}
	gws := []struct {
		name, ns          string
		local, remote     netip.Addr
		localTS, remoteTS netip.Prefix
		localID, remoteID string
	}{
		{"gwa", l.gwA, hpeGwAWan.Addr(), hpeGwBWan.Addr(), hpeNetA, hpeNetB, "gwa.hpe.test", "gwb.hpe.test"},
		{"gwb", l.gwB, hpeGwBWan.Addr(), hpeGwAWan.Addr(), hpeNetB, hpeNetA, "gwb.hpe.test", "gwa.hpe.test"},
	}
	for _, g := range gws {
		gd := filepath.Join(dir, g.name)
		if err := os.MkdirAll(gd, 0o700); err != nil {
			return nil, "", errors.Join(err, s.Close())
		}
		vici := "unix://" + filepath.Join(gd, "charon.vici")
		conf := fmt.Sprintf(`charon {
  load_modular = no
  load = random nonce aesni aes gcm sha1 sha2 hmac kdf pem pkcs1 x509 pubkey openssl kernel-libipsec kernel-netlink socket-default vici
  install_virtual_ip = no
  plugins {
    vici { socket = %s }
  }
  filelog {
    log { path = %s
      default = 1 }
  }
  syslog { daemon { default = -1 } }
}
`, vici, filepath.Join(gd, "charon.log"))
		swan := fmt.Sprintf(`connections {
  hpe {
    version = 2
    local_addrs = %s
    remote_addrs = %s
    encap = yes
    proposals = aes256gcm16-prfsha256-ecp256
    local { auth = psk
      id = %s }
    remote { auth = psk
      id = %s }
    children {
      net {
        local_ts = %s
        remote_ts = %s
        esp_proposals = aes256gcm16
        mode = tunnel
      }
    }
  }
}
secrets {
  ike-hpe {
    id-1 = %s
    id-2 = %s
    secret = 0x%s
  }
}
`, g.local, g.remote, g.localID, g.remoteID, g.localTS, g.remoteTS, g.localID, g.remoteID, hex.EncodeToString(psk))
		if err := os.WriteFile(filepath.Join(gd, "strongswan.conf"), []byte(conf), 0o600); err != nil {
			return nil, "", errors.Join(err, s.Close())
		}
		if err := os.WriteFile(filepath.Join(gd, "swanctl.conf"), []byte(swan), 0o600); err != nil {
			return nil, "", errors.Join(err, s.Close())
		}
		// charon's pid file is fixed at /var/run/charon.pid, so two
		// charons need two views of /run: each runs in a private mount
		// namespace with a tmpfs on /run (the host's /run is untouched).
		cmd := exec.Command("/bin/sh", "-c", "mount -t tmpfs mcnlab-strongswan /run && exec "+charonPath)
		cmd.Env = append(os.Environ(), "STRONGSWAN_CONF="+filepath.Join(gd, "strongswan.conf"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS, Setpgid: true}
		if err := netns.Do(g.ns, cmd.Start); err != nil {
			return nil, "", errors.Join(fmt.Errorf("start charon in %s: %w", g.ns, err), s.Close())
		}
		s.procs = append(s.procs, cmd)
		if err := s.swanctl(ctx, g.ns, 10*time.Second, "--load-all", "--file", filepath.Join(gd, "swanctl.conf"), "--uri", vici); err != nil {
			return nil, "", errors.Join(err, s.Close())
		}
	}
	vici := "unix://" + filepath.Join(dir, "gwa", "charon.vici")
	if err := s.swanctl(ctx, l.gwA, 20*time.Second, "--initiate", "--child", "net", "--timeout", "15", "--uri", vici); err != nil {
		return nil, "", errors.Join(err, s.Close())
	}
	return s, "", nil
}

// swanctl runs swanctl with args inside the namespace, retrying while
// charon is still starting (its vici socket not there yet) until timeout.
func (s *strongSwan) swanctl(ctx context.Context, ns string, timeout time.Duration, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		var out []byte
		err := netns.Do(ns, func() error {
			var err error
			out, err = exec.CommandContext(ctx, "swanctl", args...).CombinedOutput()
			return err
		})
		if err == nil {
			return nil
		}
		for _, c := range s.procs {
			if c.ProcessState != nil || !processAlive(c.Process.Pid) {
				return fmt.Errorf("charon pid %d exited; log: %s", c.Process.Pid, s.logTail())
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("swanctl %s in %s: %w: %s; charon log: %s", strings.Join(args, " "), ns, err, strings.TrimSpace(string(out)), s.logTail())
		}
		if err := pause(ctx, 100*time.Millisecond); err != nil {
			continue // the loop reports the timeout with swanctl's output
		}
	}
}

func processAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func (s *strongSwan) logTail() string {
	var b strings.Builder
	for _, g := range []string{"gwa", "gwb"} {
		data, _ := os.ReadFile(filepath.Join(s.dir, g, "charon.log"))
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		b.WriteString("\n[" + g + "] " + strings.Join(lines[max(0, len(lines)-8):], "\n"))
	}
	return b.String()
}

// PIDs returns the charon processes, whose CPU the benchmark adds.
func (s *strongSwan) PIDs() []int {
	var out []int
	for _, c := range s.procs {
		out = append(out, c.Process.Pid)
	}
	return out
}

// Close stops the charon processes this benchmark started (SIGTERM, then
// SIGKILL after 5 s), waits for them and removes the configuration.
func (s *strongSwan) Close() error {
	var errs []error
	for _, c := range s.procs {
		_ = c.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			if err := c.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				errs = append(errs, fmt.Errorf("kill charon pid %d: %w", c.Process.Pid, err))
			}
			<-done
		}
	}
	s.procs = nil
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
