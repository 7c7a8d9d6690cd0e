package metrics

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestNoPrometheusLibraries keeps the client libraries out of the hearth
// binary: their package init cost every invocation about 2 ms.
func TestNoPrometheusLibraries(t *testing.T) {
	goBin := testutil.RequireProgram(t, "go")
	const self = "github.com/hearth-fleet/hearth/internal/metrics"
	out, err := exec.Command(goBin, "list", "-deps", self).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, self) {
		t.Fatalf("go list -deps does not list %s itself:\n%s", self, out)
	}
	for _, p := range deps {
		if strings.Contains(p, "prometheus") || strings.HasPrefix(p, "google.golang.org/protobuf") {
			t.Errorf("%s depends on %s", self, p)
		}
	}
}
