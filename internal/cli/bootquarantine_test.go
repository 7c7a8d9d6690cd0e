package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestBootRollbackQuarantinesCommit: a commit that deployed and confirmed
// but whose boots failed until the boot check rolled back to golden is in
// the host's record as bad at the "boot" stage, and another host does not
// build it while it is the tip.
func TestBootRollbackQuarantinesCommit(t *testing.T) {
	m := newBootMachine(t)
	cfg, err := os.ReadFile(m.h.Config)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.SplitN(string(cfg), "\n", 3)[2]
	body = strings.Replace(body, "[system]\n", fmt.Sprintf("[system]\nremote = %q\nattr = \"toplevel\"\nconfirm_timeout = \"3s\"\n", m.repo.Dir), 1)
	m.h.WriteConfig(t, body)

	m.repo.Commit(t, testutil.NixSystem{Version: "v1"})
	m.h.MustRun(t, "upgrade")
	m.boot(false)
	m.check(0, "GREEN")
	v2 := m.repo.Commit(t, testutil.NixSystem{Version: "v2"})
	m.h.MustRun(t, "upgrade")
	m.boot(true)
	m.check(0, "RED")
	m.boot(true)
	m.check(0, "rolling back to golden")

	other := upgradeHost(t, m.env, m.repo, "other", "")
	r := other.Run(t.Context(), "upgrade", "--json")
	var res struct{ Outcome, Hold string }
	if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil || r.Code != 0 || res.Outcome != "quarantined" || !strings.Contains(res.Hold, "nixos (boot)") {
		t.Fatalf("another host on the commit rolled back at boot: exit %d, %+v\n%s", r.Code, res, r.Stderr)
	}
	if strings.Contains(r.Stderr, "upgrade: building") {
		t.Fatal("the other host built the quarantined commit")
	}
	var rows []struct {
		Host        string
		Quarantined []struct{ Commit, Stage string }
	}
	if err := json.Unmarshal([]byte(other.MustRun(t, "fleet", "--json").Stdout), &rows); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range rows {
		for _, q := range row.Quarantined {
			found = found || (row.Host == "nixos" && q.Commit == v2 && q.Stage == "boot")
		}
	}
	if !found {
		t.Fatalf("hearth fleet does not show %s bad at boot on nixos: %+v", v2, rows)
	}
}
