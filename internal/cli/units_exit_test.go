package cli_test

import (
	"testing"

	"github.com/hearth-fleet/hearth/internal/cli"
	"github.com/hearth-fleet/hearth/internal/units"
)

// The units declare hearth's interrupted status a success; it must be the
// one hearth exits with.
func TestUnitsKnowTheInterruptedStatus(t *testing.T) {
	if units.ExitInterrupted != cli.ExitInterrupted {
		t.Errorf("units.ExitInterrupted %d, cli.ExitInterrupted %d", units.ExitInterrupted, cli.ExitInterrupted)
	}
}
