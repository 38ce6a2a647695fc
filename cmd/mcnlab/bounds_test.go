package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// runWithin runs mcnlab in-process like run, and fails the test if it has
// not returned after d.
func runWithin(t *testing.T, d time.Duration, args ...string) (string, string, error) {
	t.Helper()
	type result struct {
		out, errOut string
		err         error
	}
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		root := newRoot()
		root.SetOut(&out)
		root.SetErr(&errb)
		root.SetArgs(args)
		err := root.Execute()
		done <- result{out.String(), errb.String(), err}
	}()
	select {
	case r := <-done:
		return r.out, r.errOut, r.err
	case <-time.After(d):
		t.Fatalf("mcnlab %s still runs after %s", strings.Join(args, " "), d)
		return "", "", nil
	}
}

// specialFiles makes a FIFO and returns the paths that are no topology
// file, each with the error that Load gives for it.
func specialFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		fifo:        "load topology: " + fifo + " is a named pipe (FIFO), not a regular file; give the path of a topology file (YAML)",
		"/dev/zero": "load topology: /dev/zero is a character device, not a regular file; give the path of a topology file (YAML)",
		dir:         "load topology: " + dir + " is a directory, not a regular file; give the path of a topology file (YAML)",
	}
}

// TestValidateAndDeployRefuseSpecialFiles checks that validate and deploy
// answer a FIFO, /dev/zero and a directory at once with a clear error,
// instead of blocking (a FIFO) or reading until memory runs out
// (/dev/zero). deploy fails before it needs root.
func TestValidateAndDeployRefuseSpecialFiles(t *testing.T) {
	for path, want := range specialFiles(t) {
		_, errOut, err := runWithin(t, 10*time.Second, "validate", path)
		if !errors.Is(err, exitError{1}) || errOut != want+"\n" {
			t.Errorf("validate %s: %v, stderr %q\nwant exit 1 and %s", path, err, errOut, want)
		}
		_, _, err = runWithin(t, 10*time.Second, "deploy", "-t", path, "--lab", "never")
		if err == nil || err.Error() != want {
			t.Errorf("deploy -t %s: %v\nwant %s", path, err, want)
		}
	}
}

// TestValidateBoundsOutput checks the limits a user sees from validate: the
// size limit, at most 50 problems and a count of the rest, and long values
// cut to 80 bytes.
func TestValidateBoundsOutput(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 100<<20); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runWithin(t, 10*time.Second, "validate", big)
	want := "load topology: " + big + " is 104857600 bytes; the limit for a topology file is 4194304 bytes (4 MiB)\n"
	if !errors.Is(err, exitError{1}) || errOut != want {
		t.Errorf("validate of 100 MiB: %v, stderr %q\nwant %q", err, errOut, want)
	}

	many := filepath.Join(dir, "many.yaml")
	var b strings.Builder
	b.WriteString("name: many\nversion: 1\nnodes:\n  h0: {kind: " + strings.Repeat("k", 5000) + "}\n")
	for i := 1; i < 120; i++ {
		fmt.Fprintf(&b, "  h%d: {kind: hots}\n", i)
	}
	if err := os.WriteFile(many, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, err = runWithin(t, 10*time.Second, "validate", many)
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if !errors.Is(err, exitError{1}) || len(lines) != 51 {
		t.Fatalf("validate of 120 errors: %v, %d lines; want exit 1, 50 errors and a count:\n%s", err, len(lines), errOut)
	}
	if want := many + `:4:14: nodes.h0.kind: unknown kind "` + strings.Repeat("k", 80) + `"… (5000 bytes); valid kinds: host, router, frr, bird, gateway, strongswan`; lines[0] != want {
		t.Errorf("first line:\n%s\nwant\n%s", lines[0], want)
	}
	if lines[50] != "and 70 more errors" {
		t.Errorf("last line %q; want %q", lines[50], "and 70 more errors")
	}
}

// TestBinaryValidateDoesNotBlock runs the built binary on a FIFO and
// /dev/zero: it exits at once with status 1 and the error, where it used
// to block on the FIFO (ignoring SIGINT and SIGTERM) or run out of memory.
func TestBinaryValidateDoesNotBlock(t *testing.T) {
	bin := roottest.MCNLab(t)
	for path, want := range specialFiles(t) {
		for _, verb := range [][]string{{"validate", path}, {"deploy", "-t", path}} {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			var stderr bytes.Buffer
			cmd := exec.CommandContext(ctx, bin, verb...)
			cmd.Stderr = &stderr
			err := cmd.Run()
			late := ctx.Err() != nil
			cancel()
			wantErr := want + "\n"
			if verb[0] == "deploy" {
				wantErr = "mcnlab: " + want + "\n"
			}
			var ee *exec.ExitError
			if late {
				t.Errorf("mcnlab %s still ran after 20 s", strings.Join(verb, " "))
			} else if !errors.As(err, &ee) || ee.ExitCode() != 1 || stderr.String() != wantErr {
				t.Errorf("mcnlab %s: %v, stderr %q\nwant exit status 1 and %q", strings.Join(verb, " "), err, stderr.String(), wantErr)
			}
		}
	}
}

// TestFlagUsagesReadRight walks every command's flags: pflag takes the
// first back-quoted word of a usage string as the flag's value name
// (pflag.UnquoteUsage), so a quoted command in a usage made help read
// `--foreground mcnlab destroy --lab NAME`. A value name is one word, not a
// command, and no back-quote is left in the text.
func TestFlagUsagesReadRight(t *testing.T) {
	root := newRoot()
	commands := map[string]bool{"mcnlab": true}
	var all []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		all = append(all, c)
		commands[c.Name()] = true
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	flags := 0
	for _, c := range all {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			flags++
			name, usage := pflag.UnquoteUsage(f)
			if strings.ContainsAny(name, " \t") || strings.HasPrefix(name, "-") || commands[name] {
				t.Errorf("%s --%s: help shows the value name %q (a back-quoted phrase in the usage %q); reword it", c.CommandPath(), f.Name, name, f.Usage)
			}
			if strings.Contains(usage, "`") {
				t.Errorf("%s --%s: usage %q keeps a back-quote after the value name", c.CommandPath(), f.Name, usage)
			}
		})
	}
	if flags < 50 {
		t.Errorf("walked only %d flags; the walk misses commands", flags)
	}
}
