package daemon

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// Binary page trim: the daemon's start runs the init functions of every
// package it links (protobuf's and gRPC's registries, GoBGP's tables, ...)
// and configuring a gateway runs code it will not run again. The pages of
// the binary that this touches stay mapped, and counted in the process's
// RSS (as RssFile), although the kernel may drop them at any time: they
// are clean copies of the file in the page cache, which every gateway of
// the machine shares. The kernel maps them 16 at a time (its fault-around
// of 64 KiB), so a start leaves nearly the whole binary mapped, 18 MB,
// where an idle gateway's work uses about half of it. The trimmer unmaps
// the binary's read-only pages (MADV_DONTNEED: the file's contents come
// back from the page cache on the next touch) once after start, after
// each configuration applied, and whenever the mapped pages grew by more
// than TrimAbove over what the gateway's work used after the last trim
// (after bursts of work), not in a steady state. The machine's memory is the same
// either way (the page cache holds one copy); what changes is what each
// gateway's RSS counts.
const TrimAbove = 2 << 20

// trimmer decides when to trim; tick runs on the memory release tick, ask
// from any goroutine.
type trimmer struct {
	// asked: a configuration was applied since the last tick.
	asked atomic.Bool
	// base is the binary's mapped pages one tick after the last trim:
	// what the gateway's work maps again (0: not trimmed yet).
	base uint64
	// settle: the last tick trimmed, this one reads base.
	settle bool
	// off: reading or trimming failed once; the trimmer stops.
	off bool
	// fileRSS and trim are the system (nil: fileRSS and trimBinary).
	fileRSS func() (uint64, error)
	trim    func() error
}

// ask makes the next tick trim: the code a configuration ran is not run
// again until the next one.
func (t *trimmer) ask() { t.asked.Store(true) }

// tick reads the mapped file pages and trims when they grew past base by
// more than TrimAbove, were never trimmed, or ask was called.
func (t *trimmer) tick() {
	asked := t.asked.Swap(false)
	if t.off {
		return
	}
	read, trim := t.fileRSS, t.trim
	if read == nil {
		read = fileRSS
	}
	if trim == nil {
		trim = trimBinary
	}
	f, err := read()
	if err != nil {
		t.off = true
		return
	}
	if t.settle && !asked {
		t.base, t.settle = f, false
		return
	}
	if !asked && t.base != 0 && f <= t.base+TrimAbove {
		return
	}
	if trim() != nil {
		t.off = true
		return
	}
	t.settle = true
}

// fileRSS returns the process's resident file-backed and shared pages, in
// bytes (the third field of /proc/self/statm, proc(5)).
func fileRSS() (uint64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, fmt.Errorf("read statm: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return 0, fmt.Errorf("read statm: %q", b)
	}
	n, err := strconv.ParseUint(f[2], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read statm: %w", err)
	}
	return n * uint64(os.Getpagesize()), nil
}

// trimBinary unmaps the resident pages of the process's own executable
// that are clean copies of the file (trimRanges), with MADV_DONTNEED.
func trimBinary() error {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		return fmt.Errorf("trim: stat executable: %w", err)
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return fmt.Errorf("trim: %w", err)
	}
	rs, err := trimRanges(bytes.NewReader(smaps), unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if _, _, e := unix.Syscall(unix.SYS_MADVISE, r[0], r[1]-r[0], unix.MADV_DONTNEED); e != 0 {
			return fmt.Errorf("trim: madvise %#x-%#x: %w", r[0], r[1], e)
		}
	}
	return nil
}

// trimRanges lists the mappings of smaps (proc(5)) of the file dev:ino
// that may be dropped: not writable, and with no anonymous pages (a page
// written since it was mapped, such as relocated read-only data, is the
// process's own and would be lost).
func trimRanges(r io.Reader, major, minor uint32, ino uint64) ([][2]uintptr, error) {
	var out [][2]uintptr
	var cur [2]uintptr
	ours := false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			if ours {
				out = append(out, cur)
			}
			ours = false
			lo, hi, _ := strings.Cut(f[0], "-")
			a, errA := strconv.ParseUint(lo, 16, 64)
			b, errB := strconv.ParseUint(hi, 16, 64)
			if err := errors.Join(errA, errB); err != nil {
				return nil, fmt.Errorf("trim: smaps line %q: %w", sc.Text(), err)
			}
			cur = [2]uintptr{uintptr(a), uintptr(b)}
			ours = f[4] == strconv.FormatUint(ino, 10) && f[3] == fmt.Sprintf("%02x:%02x", major, minor) && !strings.Contains(f[1], "w")
			continue
		}
		if ours && len(f) >= 2 && f[0] == "Anonymous:" && f[1] != "0" {
			ours = false
		}
	}
	if ours {
		out = append(out, cur)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("trim: read smaps: %w", err)
	}
	return out, nil
}

// trimAfterApply is a gateway's management backend that asks its trimmer
// to trim after every configuration applied.
type trimAfterApply struct {
	mgmt.Backend
	tr *trimmer
}

// Apply applies cfg, then asks for a trim.
func (b trimAfterApply) Apply(ctx context.Context, cfg mgmt.Config) (mgmt.Config, error) {
	out, err := b.Backend.Apply(ctx, cfg)
	b.tr.ask()
	return out, err
}
