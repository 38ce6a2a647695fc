package realize

import (
	"os"
	"testing"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	roottest.Cleanup()
	os.Exit(code)
}
