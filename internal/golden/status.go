package golden

import (
	"errors"
	"github.com/hearth-fleet/hearth/internal/bootcount"
	"os"
)

// GoldenInfo describes the golden generation and its pinning profile.
type GoldenInfo struct {
	StorePath  string `json:"store_path,omitempty"` // empty: none pinned
	Generation int    `json:"generation,omitempty"`
	Exists     bool   `json:"exists"` // the store path is present
	Profile    string `json:"profile"`
	// ProfileStorePath is where the golden profile points; it differs from
	// StorePath only if someone changed one without the other.
	ProfileStorePath string `json:"profile_store_path,omitempty"`
}

// Report is the read-only view behind `hearth boot status` and `hearth golden show`.
type Report struct {
	StateFile      string     `json:"state_file"`
	State          State      `json:"state"`
	Problems       []string   `json:"problems,omitempty"`
	Booted         string     `json:"booted,omitempty"`
	Running        string     `json:"running,omitempty"`
	System         string     `json:"system_profile_store_path,omitempty"`
	BootedIsGolden bool       `json:"booted_is_golden"`
	Golden         GoldenInfo `json:"golden"`
	// Loader is the boot loader's view of the generation that boots next
	// (the system profile's): its entry, tries left, blessed or bad, and
	// which entry this boot came from.
	Loader *bootcount.View `json:"loader,omitempty"`
	// CandidateRoot is the store path the candidate's GC root keeps.
	CandidateRoot string `json:"candidate_gc_root,omitempty"`
}

// Status reports the boot state without changing anything: a corrupt
// boot.json is listed in Problems (the next boot check rebuilds it).
func Status(opts Options) (Report, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return Report{}, err
	}
	rep := Report{StateFile: StatePath(o.StateDir), Golden: GoldenInfo{Profile: o.GoldenProfile}}
	st, err := readState(rep.StateFile, o.Nix.StoreDir())
	switch {
	case errors.Is(err, ErrCorruptState):
		rep.Problems = append(rep.Problems, err.Error()+" (the next boot check rebuilds it)")
	case err != nil:
		return rep, err
	}
	rep.State = st
	problem := func(p string, err error) string {
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			rep.Problems = append(rep.Problems, err.Error())
		}
		return p
	}
	rep.Booted = problem(o.Nix.StorePath(o.BootedSystem))
	rep.Running = problem(o.Nix.StorePath(o.CurrentSystem))
	rep.System = problem(o.Nix.StorePath(o.SystemProfile))
	rep.Golden.StorePath, rep.Golden.Generation = st.Golden, st.GoldenGeneration
	if g, err := o.Nix.Current(o.GoldenProfile); err == nil {
		rep.Golden.ProfileStorePath = g.StorePath
		if g.StorePath != st.Golden {
			rep.Problems = append(rep.Problems, "golden profile "+o.GoldenProfile+" points at "+g.StorePath+
				", boot state says "+st.Golden+" (the profile wins)")
			rep.Golden.StorePath, rep.Golden.Generation = g.StorePath, g.Number
		}
	} else {
		problem("", err)
	}
	if rep.Golden.StorePath != "" {
		rep.Golden.Exists = exists(rep.Golden.StorePath)
		if !rep.Golden.Exists {
			rep.Problems = append(rep.Problems, "golden store path "+rep.Golden.StorePath+" no longer exists: rollback is impossible until a generation is pinned")
		}
	}
	rep.BootedIsGolden = rep.Booted != "" && rep.Booted == rep.Golden.StorePath
	if o.Loader != nil && rep.System != "" {
		v, err := o.Loader.View(rep.System)
		if err != nil {
			rep.Problems = append(rep.Problems, "boot loader: "+err.Error())
		} else {
			rep.Loader = &v
		}
	}
	rep.CandidateRoot = CandidateRoot(o)
	return rep, nil
}

// Show returns the golden part of Status.
func Show(opts Options) (GoldenInfo, error) {
	rep, err := Status(opts)
	return rep.Golden, err
}

// LoaderRecord is the boot loader's view hearth last recorded in boot.json
// (entry, tries left, blessed or bad, which entry booted), for the fleet
// record and other readers that must not touch the ESP; nil when none.
func LoaderRecord(opts Options) (*bootcount.View, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	st, err := readState(StatePath(o.StateDir), o.Nix.StoreDir())
	if err != nil {
		return nil, err
	}
	return st.Loader, nil
}
