package nixsys

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Generation is one generation of a profile: the link <profile>-N-link and the
// store path it points at. StorePath is its identity; Number only orders.
type Generation struct {
	Number    int
	Link      string
	StorePath string
	Current   bool
}

// SetProfile makes storePath the new current generation of profile, as
// nixos-rebuild does (nix-env -p profile --set). The generation link is a GC
// root, and under the system profiles dir also a boot entry. A profile that
// already points at storePath is left alone, so repeating a step is harmless.
func (n *Nix) SetProfile(ctx context.Context, profile, storePath string) error {
	if !filepath.IsAbs(profile) {
		return fmt.Errorf("set profile %q: not an absolute path", profile)
	}
	if err := n.checkStorePath(storePath); err != nil {
		return fmt.Errorf("set profile %s: %w", profile, err)
	}
	if _, err := os.Stat(storePath); err != nil {
		return fmt.Errorf("set profile %s to %s: %w", profile, storePath, err)
	}
	if cur, err := n.StorePath(profile); err == nil && cur == storePath {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(profile), 0o755); err != nil {
		return fmt.Errorf("set profile %s: %w", profile, err)
	}
	if _, err := n.run(ctx, n.timeout, nil, "nix-env", "--profile", profile, "--set", storePath); err != nil {
		return fmt.Errorf("set profile %s to %s: %w", profile, storePath, err)
	}
	n.log.Info("profile set", "profile", profile, "store_path", storePath)
	return nil
}

// Generations lists the generations of profile, oldest first, by reading its
// generation links. A profile that does not exist has none.
func (n *Nix) Generations(profile string) ([]Generation, error) {
	dir, base := filepath.Dir(profile), filepath.Base(profile)
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("generations of %s: %w", profile, err)
	}
	current, _ := os.Readlink(profile)
	var gens []Generation
	for _, e := range entries {
		num, ok := strings.CutPrefix(e.Name(), base+"-")
		if !ok {
			continue
		}
		num, ok = strings.CutSuffix(num, "-link")
		if !ok {
			continue
		}
		nr, err := strconv.Atoi(num)
		if err != nil || nr < 0 {
			continue
		}
		link := filepath.Join(dir, e.Name())
		sp, err := n.StorePath(link)
		if err != nil {
			// A dangling generation link: report it rather than hide it.
			return nil, fmt.Errorf("generations of %s: %w", profile, err)
		}
		gens = append(gens, Generation{Number: nr, Link: link, StorePath: sp,
			Current: current == e.Name() || current == link})
	}
	sort.Slice(gens, func(i, j int) bool { return gens[i].Number < gens[j].Number })
	return gens, nil
}

// Current returns the current generation of profile. The error wraps
// fs.ErrNotExist when the profile does not exist.
func (n *Nix) Current(profile string) (Generation, error) {
	sp, err := n.StorePath(profile)
	if err != nil {
		return Generation{}, fmt.Errorf("current generation of %s: %w", profile, err)
	}
	gens, err := n.Generations(profile)
	if err != nil {
		return Generation{}, err
	}
	for _, g := range gens {
		if g.Current {
			return g, nil
		}
	}
	// The profile points straight at a store path, not at a generation link.
	return Generation{Link: profile, StorePath: sp, Current: true}, nil
}

// DeleteOldGenerations removes every generation of profile but the current
// one (nix-env --delete-generations old); their store paths become garbage
// unless something else roots them.
func (n *Nix) DeleteOldGenerations(ctx context.Context, profile string) error {
	if _, err := n.run(ctx, n.timeout, nil, "nix-env", "--profile", profile, "--delete-generations", "old"); err != nil {
		return fmt.Errorf("delete old generations of %s: %w", profile, err)
	}
	return nil
}

// AddRoot makes link an (indirect) GC root for storePath.
func (n *Nix) AddRoot(ctx context.Context, storePath, link string) error {
	if err := n.checkStorePath(storePath); err != nil {
		return fmt.Errorf("add GC root %s: %w", link, err)
	}
	if !filepath.IsAbs(link) {
		return fmt.Errorf("add GC root %q: not an absolute path", link)
	}
	if _, err := n.run(ctx, n.timeout, nil, "nix-store", "--realise", storePath, "--add-root", link); err != nil {
		return fmt.Errorf("add GC root %s for %s: %w", link, storePath, err)
	}
	return nil
}
