package ingest

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must leave no goroutine behind: a file that fails, at open or
// halfway, is closed on every path.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
