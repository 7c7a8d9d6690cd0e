package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// maxWaves bounds a fleet run: convergence within a few waves is the claim.
const maxWaves = 10

// fleetRun is one fleet run: n hosts edit at once, then rounds run in waves
// (every host not yet at the remote's tip, all started at the same moment)
// until every host's HEAD is the remote's tip.
type fleetRun struct {
	hosts     int
	waves     int
	firstWave time.Duration
	total     time.Duration // sum of the waves: start of the first to end of the last
	rounds    int
	retries   int      // push attempts beyond the first, summed over all rounds
	pending   int      // rounds that ended "pending" (lost the race too often)
	conflicts int      // conflicts recorded (sidecars); the edits do not overlap, so 0
	perWave   []string // hosts and duration of each wave
}

func (fr *fleetRun) addWave(hosts int, d time.Duration) {
	fr.waves++
	fr.total += d
	if fr.waves == 1 {
		fr.firstWave = d
	}
	fr.perWave = append(fr.perWave, fmt.Sprintf("%d hosts %.1fs", hosts, d.Seconds()))
}

// ownLine and sharedLine are fleet host i's two edits, as they appear in files.
func ownLine(i int) string    { return fmt.Sprintf("edited_by = h%02d", i) }
func sharedLine(i int) string { return fmt.Sprintf("slot%02d = h%02d", i, i) }

// editFleetFiles makes host i's edits; name maps a source path to the file
// to edit (its target in home, or itself in a plain clone).
func editFleetFiles(i int, name func(string) string) error {
	if err := appendLine(name(appFile(i)), ownLine(i)); err != nil {
		return err
	}
	path := name(sharedFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ls := strings.Split(string(data), "\n")
	if sharedSlot(i) >= len(ls) {
		return fmt.Errorf("%s: no line %d", path, sharedSlot(i)+1)
	}
	ls[sharedSlot(i)] = sharedLine(i)
	return os.WriteFile(path, []byte(strings.Join(ls, "\n")), 0o644)
}

// fleetHearth runs the fleet with hearth over transport.
func (b *bench) fleetHearth(ctx context.Context, run, n int, transport string) (*fleetRun, error) {
	remote := fmt.Sprintf("fleet%d-hearth", run)
	if err := b.newRemote(ctx, remote); err != nil {
		return nil, err
	}
	url, err := b.url(transport, remote)
	if err != nil {
		return nil, err
	}
	hosts := make([]*host, n)
	if err := parallel(n, 4, func(i int) error {
		h, err := b.newHost(ctx, fmt.Sprintf("f%d-h%02d", run, i), url)
		hosts[i] = h
		return err
	}); err != nil {
		return nil, err
	}
	for i, h := range hosts {
		if err := editFleetFiles(i, func(p string) string { return filepath.Join(h.home, target(p)) }); err != nil {
			return nil, fmt.Errorf("host %s: edit: %w", h.name, err)
		}
	}
	fr := &fleetRun{hosts: n}
	active := hosts
	for len(active) > 0 {
		if fr.waves == maxWaves {
			return nil, fmt.Errorf("fleet run %d: %d hosts still not at the remote's tip after %d waves", run, len(active), maxWaves)
		}
		cmds := make([]*exec.Cmd, len(active))
		for i, h := range active {
			cmds[i] = h.syncCmd(ctx, b)
		}
		res, d := runWave(cmds)
		fr.addWave(len(cmds), d)
		for i, r := range res {
			if r.err != nil {
				return nil, fmt.Errorf("fleet run %d, wave %d: a round failed (it must never): %w", run, fr.waves, r.err)
			}
			var out syncOut
			if err := json.Unmarshal(r.stdout, &out); err != nil {
				return nil, fmt.Errorf("host %s: sync output: %w", active[i].name, err)
			}
			fr.rounds++
			fr.retries += max(out.Sync.Attempts-1, 0)
			fr.conflicts += len(out.Sync.Conflicts)
			if out.Sync.Result == "pending" {
				fr.pending++
			}
		}
		tip, err := b.remoteHead(ctx, remote)
		if err != nil {
			return nil, err
		}
		var behind []*host
		for _, h := range hosts {
			head, err := h.head(ctx, b)
			if err != nil {
				return nil, err
			}
			if head != tip {
				behind = append(behind, h)
			}
		}
		active = behind
	}
	if err := b.checkFleet(ctx, remote, n); err != nil {
		return nil, err
	}
	want, err := b.git(ctx, "", "--git-dir="+b.remoteDir(remote), "show", "main:"+sharedFile)
	if err != nil {
		return nil, err
	}
	for _, h := range hosts {
		got, err := os.ReadFile(filepath.Join(h.home, target(sharedFile)))
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(string(got)) != want {
			return nil, fmt.Errorf("host %s: home's %s differs from the remote after convergence", h.name, target(sharedFile))
		}
	}
	return fr, nil
}

// plainRound is the shell pipeline's round in a fleet: commit, then pull
// --rebase and push until the push goes through; it prints the retries.
const plainRound = `git add -A && { git diff --cached --quiet || git commit -q -m x; } || exit 1
n=0
until git pull -q --rebase && git push -q 2>/dev/null; do n=$((n+1)); [ "$n" -ge 100 ] && exit 1; done
echo "$n"`

// fleetPlain runs the same fleet with plain clones and plainRound.
func (b *bench) fleetPlain(ctx context.Context, run, n int, transport string) (*fleetRun, error) {
	remote := fmt.Sprintf("fleet%d-plain", run)
	if err := b.newRemote(ctx, remote); err != nil {
		return nil, err
	}
	url, err := b.url(transport, remote)
	if err != nil {
		return nil, err
	}
	clones := make([]string, n)
	if err := parallel(n, 4, func(i int) error {
		clones[i] = filepath.Join(b.work, "plain-fleet", fmt.Sprintf("f%d-p%02d", run, i))
		_, err := b.git(ctx, "", "clone", "--quiet", url, clones[i])
		return err
	}); err != nil {
		return nil, err
	}
	for i, dir := range clones {
		if err := editFleetFiles(i, func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }); err != nil {
			return nil, fmt.Errorf("clone %s: edit: %w", dir, err)
		}
	}
	fr := &fleetRun{hosts: n}
	active := clones
	for len(active) > 0 {
		if fr.waves == maxWaves {
			return nil, fmt.Errorf("plain fleet run %d: %d clones still behind after %d waves", run, len(active), maxWaves)
		}
		cmds := make([]*exec.Cmd, len(active))
		for i, dir := range active {
			cmds[i] = command(ctx, b.gitEnv(), dir, "sh", "-c", plainRound)
		}
		res, d := runWave(cmds)
		fr.addWave(len(cmds), d)
		for _, r := range res {
			if r.err != nil {
				return nil, fmt.Errorf("plain fleet run %d, wave %d: %w", run, fr.waves, r.err)
			}
			k, err := strconv.Atoi(strings.TrimSpace(string(r.stdout)))
			if err != nil {
				return nil, fmt.Errorf("plain round output %q: %w", r.stdout, err)
			}
			fr.rounds++
			fr.retries += k
		}
		tip, err := b.remoteHead(ctx, remote)
		if err != nil {
			return nil, err
		}
		var behind []string
		for _, dir := range clones {
			head, err := b.git(ctx, dir, "rev-parse", "HEAD")
			if err != nil {
				return nil, err
			}
			if head != tip {
				behind = append(behind, dir)
			}
		}
		active = behind
	}
	return fr, b.checkFleet(ctx, remote, n)
}

// checkFleet asserts nothing was lost: every host's two edits are in the
// remote's live files (a sidecar would count as kept, but these edits do
// not overlap, so none is expected and any is reported).
func (b *bench) checkFleet(ctx context.Context, remote string, n int) error {
	gitDir := "--git-dir=" + b.remoteDir(remote)
	shared, err := b.git(ctx, "", gitDir, "show", "main:"+sharedFile)
	if err != nil {
		return err
	}
	for i := range n {
		own, err := b.git(ctx, "", gitDir, "show", "main:"+appFile(i))
		if err != nil {
			return err
		}
		if !strings.Contains(own, ownLine(i)) {
			return fmt.Errorf("remote %s: host %d's edit of %s is not live", remote, i, appFile(i))
		}
		if !strings.Contains(shared, sharedLine(i)) {
			return fmt.Errorf("remote %s: host %d's edit of %s is not live", remote, i, sharedFile)
		}
	}
	return nil
}
