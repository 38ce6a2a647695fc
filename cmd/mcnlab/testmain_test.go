package main

import (
	"os"
	"testing"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestMain removes the mcnlab binary that root tests build
// (roottest.MCNLab).
func TestMain(m *testing.M) {
	code := m.Run()
	roottest.Cleanup()
	os.Exit(code)
}
