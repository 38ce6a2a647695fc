package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

// TestTrimRanges: of an smaps listing, only the executable's mappings
// that are not writable and hold no page of the process's own are
// trimmed; its data, another file's text and relocated read-only data
// are left alone.
func TestTrimRanges(t *testing.T) {
	smaps := `00400000-00d79000 r-xp 00000000 fd:01 4242                               /bin/mcnlab-gateway
Size:               9700 kB
Rss:                8996 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me dw sd
00d79000-01850000 r--p 00979000 fd:01 4242                               /bin/mcnlab-gateway
Rss:                9052 kB
Anonymous:             0 kB
01850000-018c6000 rw-p 01450000 fd:01 4242                               /bin/mcnlab-gateway
Anonymous:           344 kB
01900000-01a00000 r--p 01500000 fd:01 4242                               /bin/mcnlab-gateway
Anonymous:             8 kB
7f0000000000-7f0000100000 r-xp 00000000 fd:01 77                         /usr/lib/libc.so.6
Anonymous:             0 kB
7f0000200000-7f0000300000 r-xp 00000000 fd:02 4242                       /other/fs/same-inode
Anonymous:             0 kB
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
Anonymous:           132 kB
`
	got, err := trimRanges(strings.NewReader(smaps), 0xfd, 1, 4242)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]uintptr{{0x400000, 0xd79000}, {0xd79000, 0x1850000}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trimRanges = %#x, want %#x", got, want)
	}
}

// TestTrimBinary: trimming this test binary's pages lowers the process's
// resident file pages, and the code runs on afterwards (its pages come
// back from the page cache).
func TestTrimBinary(t *testing.T) {
	before, err := fileRSS()
	if err != nil {
		t.Fatal(err)
	}
	if err := trimBinary(); err != nil {
		t.Fatal(err)
	}
	after, err := fileRSS()
	if err != nil {
		t.Fatal(err)
	}
	if after >= before {
		t.Errorf("resident file pages %d KiB before the trim, %d KiB after: want fewer", before>>10, after>>10)
	}
	// Code and read-only data fault back in.
	runtime.GC()
	if s := fmt.Sprintf("%v %x", []string{"still", "runs"}, 0xbeef); s != "[still runs] beef" {
		t.Errorf("Sprintf after the trim = %q", s)
	}
	t.Logf("resident file pages: %d KiB before the trim, %d KiB after", before>>10, after>>10)
}

// TestTrimmerTick: the first tick trims; the next reads what the work
// maps again; later ticks trim only when the mapped pages grew by more
// than TrimAbove over that; a failure stops the trimmer.
func TestTrimmerTick(t *testing.T) {
	const mb = 1 << 20
	var rss uint64 = 18 * mb
	trims := 0
	tr := trimmer{fileRSS: func() (uint64, error) { return rss, nil }, trim: func() error { trims++; rss = 1 * mb; return nil }}
	tr.tick() // start: trims
	rss = 9 * mb
	tr.tick() // reads the base
	for _, r := range []uint64{9, 10, 11} {
		rss = r * mb
		tr.tick()
	}
	if trims != 1 || tr.base != 9*mb {
		t.Fatalf("after start and a steady state: %d trims, base %d MiB; want 1 and 9", trims, tr.base/mb)
	}
	rss = 17 * mb // a configuration ran new code
	tr.tick()
	rss = 10 * mb
	tr.tick()
	if trims != 2 || tr.base != 10*mb {
		t.Fatalf("after growth past the base: %d trims, base %d MiB; want 2 and 10", trims, tr.base/mb)
	}
	tr.fileRSS = func() (uint64, error) { return 0, os.ErrNotExist }
	tr.tick()
	tr.fileRSS = func() (uint64, error) { return 100 * mb, nil }
	tr.trim = func() error { return errors.New("unexpected") }
	tr.tick()
	if !tr.off || trims != 2 {
		t.Errorf("after a failed read: off %v, %d trims; want true and 2", tr.off, trims)
	}
}

// TestTrimmerAsked: a configuration applied makes the next tick trim
// whatever the mapped pages, and the tick after read the base again.
func TestTrimmerAsked(t *testing.T) {
	const mb = 1 << 20
	var rss uint64 = 9 * mb
	trims := 0
	tr := trimmer{base: 9 * mb, fileRSS: func() (uint64, error) { return rss, nil }, trim: func() error { trims++; return nil }}
	tr.tick()
	if trims != 0 {
		t.Fatalf("steady state: %d trims, want 0", trims)
	}
	b := trimAfterApply{Backend: applyOnly{}, tr: &tr}
	if _, err := b.Apply(context.Background(), mgmt.Config{}); err != nil {
		t.Fatal(err)
	}
	rss = 11 * mb
	tr.tick()
	rss = 8 * mb
	tr.tick()
	if trims != 1 || tr.base != 8*mb {
		t.Errorf("after a configuration: %d trims, base %d MiB; want 1 and 8", trims, tr.base/mb)
	}
}

// applyOnly is a backend whose Apply takes any configuration.
type applyOnly struct{ mgmt.Backend }

func (applyOnly) Apply(_ context.Context, cfg mgmt.Config) (mgmt.Config, error) { return cfg, nil }
