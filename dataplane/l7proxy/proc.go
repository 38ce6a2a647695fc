package l7proxy

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Listening reports whether every port has a TCP socket in state LISTEN
// in the network namespace of process pid (its /proc/PID/net/tcp and
// tcp6).
func Listening(pid int, ports ...uint16) (bool, error) {
	found := map[uint16]bool{}
	for _, f := range []string{"tcp", "tcp6"} {
		if err := listeners(fmt.Sprintf("/proc/%d/net/%s", pid, f), found); err != nil {
			return false, err
		}
	}
	for _, p := range ports {
		if !found[p] {
			return false, nil
		}
	}
	return true, nil
}

// listeners adds the local ports of the LISTEN (0A) sockets of one
// /proc/net/tcp file: "sl local_address rem_address st ...", the address
// as HEX:PORT.
func listeners(path string, found map[uint16]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 || fs[3] != "0A" {
			continue
		}
		_, port, ok := strings.Cut(fs[1], ":")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(port, 16, 16); err == nil {
			found[uint16(n)] = true
		}
	}
	return sc.Err()
}

// CheckSquid checks that Debian's squid is installed with OpenSSL, whose
// ssl-bump the TLS port needs (`squid -v` lists --with-openssl): the
// package squid-openssl; the package squid is the GnuTLS build.
func CheckSquid() error {
	out, err := exec.Command(squidPath(), "-v").Output()
	if err != nil {
		return fmt.Errorf("l7proxy: squid -v: %w (install Debian's squid-openssl)", err)
	}
	if !strings.Contains(string(out), "--with-openssl") {
		return fmt.Errorf("l7proxy: %s is built without OpenSSL, so it cannot peek at TLS (ssl-bump); install Debian's squid-openssl in place of squid", squidPath())
	}
	return nil
}
