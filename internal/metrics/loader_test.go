package metrics

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The boot loader's view recorded in boot.json becomes metrics: which
// entry, counting/blessed/bad, tries left, which entry booted.
func TestBootLoaderMetrics(t *testing.T) {
	dir := t.TempDir()
	body := `{"schema":1,"attempts":0,"max_attempts":2,"loader":{"loader":"systemd-boot","entry":"nixos-generation-7+1-1.conf",
		"state":"counting","tries_left":1,"tries_done":1,"booted_entry":"nixos-generation-7+2.conf"}}`
	if err := os.WriteFile(filepath.Join(dir, "boot.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`hearth_boot_loader_info{booted_entry="nixos-generation-7+2.conf",entry="nixos-generation-7+1-1.conf",loader="systemd-boot"} 1`,
		`hearth_boot_loader_entry_state{state="counting"} 1`,
		`hearth_boot_loader_entry_state{state="bad"} 0`,
		`hearth_boot_loader_tries_left 1`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("metrics lack %s:\n%s", want, out)
		}
	}
}
