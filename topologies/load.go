package topologies

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxFileSize is the largest topology file Load and ReadFile read, 4 MiB:
// far above any real lab (the 200-node benchmark topology is under 64 KiB)
// and small enough that parsing it stays within a few hundred MiB.
const MaxFileSize = 4 << 20

// ReadFile reads a topology file of at most MaxFileSize bytes. It refuses,
// without blocking, anything but a regular file (a FIFO, a device such as
// /dev/zero, a directory, a socket): it checks the file's type before
// opening it, opens it non-blocking, checks the type of what it opened, and
// reads at most MaxFileSize+1 bytes.
func ReadFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load topology: %w", err)
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	// O_NONBLOCK: should path have become a FIFO since the Stat, opening
	// it must not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("load topology: %w", err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("load topology: %w", err)
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	return readLimited(path, f)
}

// readLimited reads at most MaxFileSize+1 bytes of the file at path from r,
// failing if there are more than MaxFileSize: a file's size may change after
// it was checked, and files in /proc say 0.
func readLimited(path string, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("load topology: read %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("load topology: %s is over the limit of %d bytes (4 MiB) for a topology file", path, MaxFileSize)
	}
	return data, nil
}

// checkRegular refuses anything but a regular file of at most MaxFileSize
// bytes.
func checkRegular(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		if fi.Size() > MaxFileSize {
			return fmt.Errorf("load topology: %s is %d bytes; the limit for a topology file is %d bytes (4 MiB)", path, fi.Size(), MaxFileSize)
		}
		return nil
	}
	return fmt.Errorf("load topology: %s is %s, not a regular file; give the path of a topology file (YAML)", path, fileKind(fi.Mode()))
}

// fileKind names the type of a file that is not a regular one.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file (" + m.Type().String() + ")"
}
