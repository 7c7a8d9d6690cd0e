package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/privdrop"
)

// ownerFlag marks the child that runs a dotfiles command as the home's
// owner; its value is the fd carrying ownerJob. It is never for people.
const ownerFlag = "internal-owner-config-fd"

// selfExe re-executes the running binary itself: the same inode even if the
// file was replaced since, reachable even where its directory is closed to
// the home's owner, and never something found on PATH.
const selfExe = "/proc/self/exe"

// ownerJob is what the child needs of root's effective config. It comes
// through a pipe, not a file the home's owner could change, and carries
// nothing of the root jobs' sections. metrics_file stays behind: it is
// root's to write.
type ownerJob struct {
	File     string          `json:"file"`
	Host     string          `json:"host"`
	StateDir string          `json:"state_dir"`
	Dotfiles config.Dotfiles `json:"dotfiles"`
	// Dir is the caller's working dir, against which relative target
	// arguments (hearth add ./x) are resolved; the child runs in /.
	Dir string `json:"dir,omitempty"`
	// Hooks run in the child, as the owner who ran the job: root's hooks
	// never see values from a record the owner could have written.
	Hooks config.Hooks `json:"hooks"`
}

// asHomeOwner runs the current dotfiles command as the owner of
// dotfiles.target_dir when that is not the running user: root re-executes
// hearth as the owner, anyone else is refused. done is true when the
// command ran (or was refused) and the caller must only return err.
func (a *app) asHomeOwner(ctx context.Context, cfg *config.Config) (done bool, err error) {
	id, err := a.homeOwner(cfg)
	if err != nil {
		return true, err
	}
	if id == nil {
		return false, nil
	}
	return true, a.runAsOwner(ctx, cfg, id)
}

// homeOwner decides who runs the dotfiles job: nil for the running user,
// else the home's owner, whom root may become only when that owner also
// controls the source and state dirs (the child could not work elsewhere,
// and root must not read or write them on the owner's behalf).
func (a *app) homeOwner(cfg *config.Config) (*privdrop.Identity, error) {
	d := cfg.Dotfiles
	owner, err := privdrop.Owner(d.TargetDir)
	if err != nil {
		return nil, fmt.Errorf("dotfiles.target_dir: %w", err)
	}
	me := uint32(os.Geteuid())
	if owner == me {
		return nil, ownDirs(cfg, me)
	}
	if me != 0 || a.ownerFD != "" {
		return nil, fmt.Errorf("dotfiles.target_dir %s is controlled by %s, not by %s running hearth; hearth works on a home only as its owner",
			d.TargetDir, privdrop.Describe(owner), privdrop.Describe(me))
	}
	dirs, err := jobDirs(cfg)
	if err != nil {
		return nil, err
	}
	for _, p := range dirs {
		if p.owner != owner {
			return nil, fmt.Errorf("dotfiles.target_dir %s belongs to %s, so hearth runs the dotfiles job as them, but %s %s is controlled by %s; "+
				"set %s to a dir %s owns, or run hearth as %s with their own config", d.TargetDir, privdrop.Describe(owner),
				p.key, p.path, privdrop.Describe(p.owner), p.key, privdrop.Describe(owner), privdrop.Describe(owner))
		}
	}
	id, err := privdrop.Lookup(owner)
	if err != nil {
		return nil, fmt.Errorf("dotfiles.target_dir %s: owner: %w", d.TargetDir, err)
	}
	return id, nil
}

// ownDirs refuses a source or state dir that another user controls (root
// aside): the job would run their templates and scripts, or trust their
// state, with the running user's privileges.
func ownDirs(cfg *config.Config, me uint32) error {
	dirs, err := jobDirs(cfg)
	if err != nil {
		return err
	}
	for _, p := range dirs {
		if p.owner != me && p.owner != 0 {
			return fmt.Errorf("%s %s is controlled by %s; hearth running as %s never runs templates from, or keeps state in, another user's dir",
				p.key, p.path, privdrop.Describe(p.owner), privdrop.Describe(me))
		}
	}
	return nil
}

type jobDir struct {
	key, path string
	owner     uint32
}

// jobDirs are the dirs the dotfiles job reads and writes besides home,
// with who controls each.
func jobDirs(cfg *config.Config) ([]jobDir, error) {
	dirs := []jobDir{{key: "dotfiles.source_dir", path: cfg.Dotfiles.SourceDir}, {key: "state_dir", path: cfg.StateDir}}
	for i := range dirs {
		o, err := privdrop.Owner(dirs[i].path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dirs[i].key, err)
		}
		dirs[i].owner = o
	}
	return dirs, nil
}

// runAsOwner re-executes this command line as id and passes its output
// and exit status through.
func (a *app) runAsOwner(ctx context.Context, cfg *config.Config, id *privdrop.Identity) error {
	if a.inv.Self == "" {
		return fmt.Errorf("dotfiles.target_dir %s belongs to %s: running as them needs the hearth binary, not an in-process run", cfg.Dotfiles.TargetDir, privdrop.Describe(id.UID))
	}
	payload, err := json.Marshal(ownerJob{File: cfg.File, Host: cfg.Host, StateDir: cfg.StateDir, Dotfiles: cfg.Dotfiles, Dir: a.inv.Env.Dir, Hooks: cfg.Hooks})
	if err != nil {
		return err
	}
	a.logger().Info("running the dotfiles job as the home's owner", "user", id.Name, "uid", id.UID, "target_dir", cfg.Dotfiles.TargetDir)
	code, err := privdrop.Run(ctx, privdrop.Command{
		Exe:     a.inv.Self,
		Args:    append([]string{"hearth", "--" + ownerFlag + "=3"}, a.inv.Args...),
		As:      id,
		Env:     id.Env(a.inv.Env.Getenv),
		Stdout:  a.inv.Stdout,
		Stderr:  a.inv.Stderr,
		Payload: payload,
	})
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code, err: errSilent}
	}
	return nil
}

// ownerConfig reads the config the parent passed on fd a.ownerFD.
func (a *app) ownerConfig() (*config.Config, error) {
	if os.Geteuid() == 0 {
		return nil, usageError("--%s is internal to hearth and refused as root", ownerFlag)
	}
	fd, err := strconv.Atoi(a.ownerFD)
	if err != nil || fd < 0 {
		return nil, usageError("--%s: bad fd %q", ownerFlag, a.ownerFD)
	}
	f := os.NewFile(uintptr(fd), "owner-config")
	if f == nil {
		return nil, usageError("--%s: fd %d is not open", ownerFlag, fd)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read the config from the parent: %w", err)
	}
	var j ownerJob
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber() // dotfiles.data keeps its integers integers
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("read the config from the parent: %w", err)
	}
	if j.Dotfiles.TargetDir == "" || j.StateDir == "" {
		return nil, errors.New("read the config from the parent: incomplete")
	}
	j.Dotfiles.Data = chezmoicfg.Normalize(j.Dotfiles.Data)
	if j.Dir != "" {
		a.inv.Env.Dir = j.Dir
	}
	return &config.Config{File: j.File, Host: j.Host, StateDir: j.StateDir, Dotfiles: j.Dotfiles, Hooks: j.Hooks}, nil
}
