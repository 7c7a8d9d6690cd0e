package bootcount

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// Loader kinds (config boot.loader).
const (
	KindAuto        = "auto"
	KindSystemdBoot = "systemd-boot"
	KindGrub        = "grub"
	KindNone        = "none"
)

// Loader is the boot loader hearth assesses generations through.
type Loader struct {
	Kind     string  // KindSystemdBoot, KindGrub or KindNone (Detect resolves auto)
	ESP      ESP     // systemd-boot
	Grub     GrubEnv // GRUB
	EFIVars  string  // efivarfs; empty: DefaultEFIVars
	MaxTries int     // the counter a new entry gets
	Logger   *slog.Logger
}

// View is the loader's view of one generation.
type View struct {
	Loader    string `json:"loader"`
	System    string `json:"system,omitempty"`
	Entry     string `json:"entry,omitempty"` // file name (systemd-boot)
	State     string `json:"state,omitempty"` // blessed, counting, bad; empty: no entry found
	TriesLeft int    `json:"tries_left"`
	TriesDone int    `json:"tries_done"`
	// Booted is the entry this boot came from, as the loader reported it.
	Booted string `json:"booted_entry,omitempty"`
	// Fallback is the entry the loader picks once this one is bad.
	Fallback string   `json:"fallback,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Counting reports whether the loader is assessing the generation.
func (v View) Counting() bool { return v.State == "counting" }

// Detect resolves KindAuto: systemd-boot when an ESP with loader entries is
// found, GRUB when grubenv's directory exists, else none.
func Detect(kind, esp string, grubenv string) (Loader, error) {
	switch kind {
	case KindNone:
		return Loader{Kind: KindNone}, nil
	case KindSystemdBoot, KindAuto, "":
		dir, err := FindESP(esp, DefaultESPCandidates)
		if err == nil {
			return Loader{Kind: KindSystemdBoot, ESP: ESP{Dir: dir}}, nil
		}
		if kind == KindSystemdBoot {
			return Loader{}, err
		}
	}
	if kind == KindGrub || kind == KindAuto || kind == "" {
		if grubenv == "" {
			grubenv = "/boot/grub/grubenv"
			if esp != "" {
				grubenv = esp + "/grub/grubenv"
			}
		}
		if _, err := os.Lstat(filepath.Dir(grubenv)); err == nil || kind == KindGrub {
			return Loader{Kind: KindGrub, Grub: GrubEnv{Path: grubenv}}, nil
		}
		return Loader{Kind: KindNone}, nil
	}
	return Loader{}, fmt.Errorf("boot.loader %q: not auto, systemd-boot, grub or none", kind)
}

func (l Loader) log() *slog.Logger {
	if l.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Logger
}

// Booted reads which entry this boot came from (systemd-boot only).
func (l Loader) Booted() (Booted, error) {
	if l.Kind != KindSystemdBoot {
		return Booted{}, nil
	}
	return ReadBooted(l.EFIVars)
}

// View reports the loader's view of system.
func (l Loader) View(system string) (View, error) {
	v := View{Loader: l.Kind, System: system}
	switch l.Kind {
	case KindSystemdBoot:
		ent, all, err := l.entryOf(system)
		b, berr := l.Booted()
		if berr != nil {
			v.Warnings = append(v.Warnings, berr.Error())
		}
		v.Booted = b.Selected
		if errors.Is(err, fs.ErrNotExist) {
			return v, nil
		}
		if err != nil {
			return v, err
		}
		v.fill(ent)
		v.Fallback = fallback(all, ent)
		return v, nil
	case KindGrub:
		s, err := l.Grub.Read()
		if errors.Is(err, fs.ErrNotExist) {
			return v, nil
		}
		if err != nil {
			return v, err
		}
		v.State, v.TriesLeft = s.State(), s.TriesLeft
		return v, nil
	}
	return v, nil
}

func (v *View) fill(e Entry) {
	v.Entry, v.State, v.TriesLeft, v.TriesDone = e.File, e.State(), e.TriesLeft, e.TriesDone
}

// fallback is the first entry after ent in the loader's order that it would
// boot once ent is bad: not ent, not bad.
func fallback(all []Entry, ent Entry) string {
	for _, e := range all {
		if e.ID != ent.ID && !e.Bad() {
			return e.File
		}
	}
	return ""
}

// entryOf finds system's entry: the one this boot came from when it boots
// system, else the first in the loader's order.
func (l Loader) entryOf(system string) (Entry, []Entry, error) {
	all, problems, err := l.ESP.Entries()
	if err != nil {
		return Entry{}, nil, err
	}
	for _, p := range problems {
		l.log().Warn("boot entry skipped", "problem", p)
	}
	mine := BySystem(all, system)
	if len(mine) == 0 {
		return Entry{}, all, fmt.Errorf("ESP %s: no boot entry boots %s: %w", l.ESP.Dir, system, fs.ErrNotExist)
	}
	if b, err := l.Booted(); err == nil && b.ID() != "" {
		for _, e := range mine {
			if e.ID == b.ID() {
				return e, all, nil
			}
		}
	}
	for _, e := range mine {
		if e.Counted {
			return e, all, nil
		}
	}
	return mine[0], all, nil
}

// Count gives system's entry a tries counter (a new generation deployed for
// the next boot), and drops a loader.conf default that pins it, which would
// make the loader keep booting it after its tries are spent. golden must not
// be system: golden's entry never carries a counter.
func (l Loader) Count(system, golden string) (View, error) {
	v := View{Loader: l.Kind, System: system}
	if system == golden {
		return v, fmt.Errorf("boot counting: %s is the golden generation; its entry keeps no counter", system)
	}
	switch l.Kind {
	case KindSystemdBoot:
		ent, _, err := l.entryOf(system)
		if err != nil {
			return v, err
		}
		if ent.System == golden && golden != "" {
			return v, fmt.Errorf("boot counting: entry %s boots golden %s", ent.File, golden)
		}
		if err := l.ESP.removeStaleTmp(); err != nil {
			return v, err
		}
		if def, err := l.ESP.Default(); err != nil {
			return v, err
		} else if Pins(def, ent) {
			msg := fmt.Sprintf("%s: `default %s` pins %s, so the loader would keep booting it after its tries are spent; removed it (the loader now picks the first entry with tries left)", LoaderConf, def, ent.ID)
			if err := l.ESP.DropDefault(); err != nil {
				return v, err
			}
			l.log().Warn(msg)
			v.Warnings = append(v.Warnings, msg)
		}
		ent, err = l.ESP.Count(ent.ID, l.MaxTries)
		if err != nil {
			return v, err
		}
		v.fill(ent)
		all, _, _ := l.ESP.Entries()
		v.Fallback = fallback(all, ent)
		if g := BySystem(all, golden); golden != "" && (len(g) == 0 || g[0].File != v.Fallback) {
			v.Warnings = append(v.Warnings, fmt.Sprintf("once %s is spent the loader falls back to %q, not to golden's entry", ent.File, v.Fallback))
		}
		return v, nil
	case KindGrub:
		s, err := l.Grub.Count(l.MaxTries)
		v.State, v.TriesLeft = s.State(), s.TriesLeft
		return v, err
	}
	return v, nil
}

// Bless ends the assessment of system's entry: good.
func (l Loader) Bless(system string) (View, error) {
	return l.change(system, ESP.Bless, GrubEnv.Bless)
}

// MarkBad ends the assessment of system's entry: bad, the loader will not
// pick it by itself again.
func (l Loader) MarkBad(system string) (View, error) {
	return l.change(system, ESP.MarkBad, GrubEnv.MarkBad)
}

func (l Loader) change(system string, esp func(ESP, string) (Entry, error), grub func(GrubEnv) (GrubState, error)) (View, error) {
	v := View{Loader: l.Kind, System: system}
	switch l.Kind {
	case KindSystemdBoot:
		ent, _, err := l.entryOf(system)
		if err != nil {
			return v, err
		}
		if !ent.Counted {
			v.fill(ent)
			return v, nil
		}
		ent, err = esp(l.ESP, ent.ID)
		v.fill(ent)
		return v, err
	case KindGrub:
		s, err := l.Grub.Read()
		if err != nil || !s.Counted {
			v.State = s.State()
			return v, err
		}
		s, err = grub(l.Grub)
		v.State, v.TriesLeft = s.State(), s.TriesLeft
		return v, err
	}
	return v, nil
}
