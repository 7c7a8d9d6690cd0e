package cli_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// trace logs where the tokens named in HEARTH_CAMPAIGN_TRACE (comma
// separated) live after each action, to follow a lost edit through the
// rounds of a seed.
func (c *campaign) trace(remote string) {
	w := os.Getenv("HEARTH_CAMPAIGN_TRACE")
	if w == "" {
		return
	}
	if c.where == nil {
		c.where = map[string]string{}
	}
	for _, tok := range strings.Split(w, ",") {
		var locs []string
		for _, h := range c.hosts {
			// What cannot be read is simply not seen in a trace.
			_ = filepath.WalkDir(h.Root, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return nil
				}
				if d.IsDir() && d.Name() == ".git" {
					return filepath.SkipDir
				}
				if d.Type().IsRegular() {
					if b, _ := os.ReadFile(p); strings.Contains(string(b), tok+"\n") {
						rel, _ := filepath.Rel(filepath.Dir(h.Root), p)
						locs = append(locs, h.Name+":"+rel)
					}
				}
				return nil
			})
		}
		if out, err := testutil.GitErr(remote, "grep", "-l", "-F", tok, "main"); err == nil {
			locs = append(locs, "remote:"+strings.ReplaceAll(out, "\n", ","))
		}
		sort.Strings(locs)
		now := strings.Join(locs, " ")
		if now != c.where[tok] {
			c.t.Logf("TRACE %s after [%s]: %s", tok, c.trail[len(c.trail)-1], now)
			c.where[tok] = now
		}
	}
}
