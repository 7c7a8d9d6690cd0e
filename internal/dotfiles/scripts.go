package dotfiles

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/termsafe"
)

// run_ scripts, with chezmoi's semantics: run_ every apply, run_once_ once
// per content (hash after rendering, whatever the name), run_onchange_
// when the content differs from the last successful run under that
// name; before_ ones run before any target is written, after_ ones after,
// the rest in target order among the targets; each phase in target-name
// order. A script whose source is held (a template error, a broken
// .chezmoiignore, a broken source) never runs. A failing script is
// reported and blocks nothing: the next ones and the targets still apply,
// and a run_once_ or run_onchange_ one runs again next time.

// ScriptPhase is when a script runs.
type ScriptPhase int

// Script phases.
const (
	PhaseBefore ScriptPhase = iota
	PhaseDuring
	PhaseAfter
)

// ScriptRun says what one script did in an apply.
type ScriptRun struct {
	Target string `json:"target"`
	Source string `json:"source"`
	// Result is "ran" or "failed".
	Result string `json:"result"`
	// ExitCode is the script's exit status (128+n when signal n killed
	// it), -1 when it did not start.
	ExitCode int    `json:"exit_code"`
	Error    string `json:"error,omitempty"`
}

// Script results.
const (
	ScriptRan    = "ran"
	ScriptFailed = "failed"
)

// script is a run_ entry rendered for this host.
type script struct {
	e       *Entry
	phase   ScriptPhase
	once    bool
	change  bool
	body    []byte
	hash    string
	problem string
}

// scriptCondition reads once_/onchange_ and before_/after_ from a run_
// source name, which ParseFileName only strips.
func scriptCondition(sourceName string) (once, change bool, phase ScriptPhase) {
	rest := strings.TrimPrefix(sourceName, prefixRun)
	switch {
	case cut(&rest, prefixOnce):
		once = true
	case cut(&rest, prefixOnChange):
		change = true
	}
	phase = PhaseDuring
	switch {
	case cut(&rest, prefixBefore):
		phase = PhaseBefore
	case cut(&rest, prefixAfter):
		phase = PhaseAfter
	}
	return once, change, phase
}

// walkScripts reads a .chezmoiscripts directory (src, below the work
// tree): every file in it must be a run_ script; its target keeps the
// .chezmoiscripts component, as chezmoi's does, but no directory is made.
func (s *SourceState) walkScripts(src, captureOnly string) {
	dirTarget := s.relToRoot(src)
	var visit func(rel, target string)
	visit = func(rel, target string) {
		ents, err := s.readDir(rel)
		if err != nil {
			s.broken = append(s.broken, brokenEntry{Target: target, Source: rel, Reason: "cannot read source directory: " + err.Error()})
			return
		}
		for _, d := range ents {
			name := d.Name()
			r, t := rel+"/"+name, target+"/"+name
			switch {
			case strings.HasPrefix(name, "."):
			case d.IsDir():
				visit(r, t)
			case !d.Type().IsRegular():
				s.broken = append(s.broken, brokenEntry{Target: t, Source: r, Reason: "not a regular file in .chezmoiscripts"})
			default:
				a := ParseFileName(name)
				t = target + "/" + a.TargetName
				if a.Type != FileScript {
					s.broken = append(s.broken, brokenEntry{Target: t, Source: r, Reason: "not a script (run_) in .chezmoiscripts"})
					continue
				}
				if s.ignore.Ignored(t) {
					continue
				}
				s.scripts = append(s.scripts, &Entry{Target: t, Source: r, File: a, captureOnly: captureOnly})
			}
		}
	}
	visit(src, dirTarget)
}

// planScripts renders the run_ scripts for this host, in chezmoi's order.
func (s *SourceState) planScripts() []*script {
	out := make([]*script, 0, len(s.scripts))
	for _, e := range s.scripts {
		if !s.opts.selected(e.Target) {
			continue
		}
		once, change, phase := scriptCondition(path.Base(e.Source))
		sc := &script{e: e, once: once, change: change, phase: phase}
		out = append(out, sc)
		switch {
		case e.captureOnly != "":
			sc.problem = e.captureOnly
			continue
		case e.File.Template && s.tmplProblem != "":
			sc.problem = s.tmplProblem
			continue
		}
		b, err := s.work.ReadFile(e.contentPath(), s.opts.maxFileSize())
		if err != nil {
			sc.problem = "cannot read source: " + err.Error()
			continue
		}
		if e.File.Encrypted {
			if b, err = (&decrypter{files: s.opts.AgeIdentityFiles}).decrypt(b); err != nil {
				sc.problem = err.Error()
				continue
			}
		}
		if e.File.Template {
			if b, _, err = s.r.render(e.Source, e.Target, b); err != nil {
				if errors.Is(err, errCommandSkipped) {
					out = out[:len(out)-1]
					continue
				}
				sc.problem = fmt.Sprintf("render %s: %v", e.Source, err)
				continue
			}
		}
		sc.body, sc.hash = b, hashBytes(b)
	}
	slices.SortStableFunc(out, func(a, b *script) int {
		return cmp.Or(cmp.Compare(a.phase, b.phase), strings.Compare(a.e.Target, b.e.Target))
	})
	return out
}

// scriptHolds are the held scripts, for the report.
func scriptHolds(list []*script) []*Change {
	var out []*Change
	for _, sc := range list {
		if sc.problem != "" {
			out = append(out, &Change{Target: sc.e.Target, Source: sc.e.Source, Action: ActHold, Reason: "script not run: " + sc.problem})
		}
	}
	return out
}

// scriptRunner runs a plan's scripts in order as Apply reaches them.
type scriptRunner struct {
	p     *plan
	list  []*script
	next  int
	state *scriptState
	runs  []ScriptRun
}

func (p *plan) newScriptRunner() *scriptRunner {
	r := &scriptRunner{p: p}
	if p.st.opts.Scripts != ScriptsRun {
		if len(p.scripts) > 0 && p.st.opts.Scripts == ScriptsOff {
			p.st.opts.logger().Info("dotfiles: scripts not run (dotfiles.scripts = false)", "count", len(p.scripts))
		}
		return r
	}
	for _, sc := range p.scripts {
		if sc.problem == "" {
			r.list = append(r.list, sc)
		}
	}
	r.state = loadScriptState(scriptStatePath(p.st.opts.StatePath))
	return r
}

// until runs the scripts due before target in phase (target "" with
// PhaseAfter runs all that are left).
func (r *scriptRunner) until(ctx context.Context, phase ScriptPhase, target string) {
	for r.next < len(r.list) && ctx.Err() == nil {
		sc := r.list[r.next]
		if sc.phase > phase || (sc.phase == phase && phase == PhaseDuring && target != "" && sc.e.Target >= target) {
			return
		}
		r.next++
		r.run(ctx, sc)
	}
}

func (r *scriptRunner) run(ctx context.Context, sc *script) {
	o := &r.p.st.opts
	abs := filepath.Join(o.TargetDir, filepath.FromSlash(sc.e.Target))
	switch {
	case len(sc.body) == 0:
		return
	case sc.once && r.state.Once[sc.hash].Name != "":
		return
	case sc.change && r.state.OnChange[abs] == sc.hash:
		return
	}
	if !blank(sc.body) {
		log := o.logger()
		out, err := o.runScript(ctx, scriptRun{
			name: path.Base(sc.e.Target), body: sc.body, dir: scriptDir(o.TargetDir, sc.e.Target),
			env: r.p.st.chezmoiEnv(), timeout: o.scriptTimeout(),
		})
		if len(out.stdout) > 0 {
			log.Info("dotfiles: script output", "script", sc.e.Source, "stdout", termsafe.Text(string(out.stdout)))
		}
		if len(out.stderr) > 0 {
			log.Warn("dotfiles: script stderr", "script", sc.e.Source, "stderr", termsafe.Text(string(out.stderr)))
		}
		if err != nil {
			run := ScriptRun{Target: sc.e.Target, Source: sc.e.Source, Result: ScriptFailed, ExitCode: out.code, Error: out.describe(err)}
			r.runs = append(r.runs, run)
			log.Warn("dotfiles: script failed", "script", sc.e.Source, "error", run.Error)
			return
		}
		r.runs = append(r.runs, ScriptRun{Target: sc.e.Target, Source: sc.e.Source, Result: ScriptRan, ExitCode: out.code})
		log.Info("dotfiles: script ran", "script", sc.e.Source)
	}
	// As chezmoi, every successful run counts for both conditions.
	r.state.Once[sc.hash] = scriptOnce{Name: sc.e.Target, RunAt: time.Now().UTC()}
	r.state.OnChange[abs] = sc.hash
	if err := r.state.save(); err != nil {
		o.logger().Warn("dotfiles: script state not saved; the script may run again", "script", sc.e.Source, "err", err)
	}
}

// stdoutKept is how much of a run_ script's output is logged.
const stdoutKept = 16 << 10

// scriptState is chezmoi's scriptState (run_once_: content hashes) and
// the script part of its entryState (run_onchange_: the hash last run
// under each target path), in a JSON file beside the engine's state file.
type scriptState struct {
	path     string
	Version  int                   `json:"version"`
	Once     map[string]scriptOnce `json:"once"`
	OnChange map[string]string     `json:"onchange"`
}

type scriptOnce struct {
	Name  string    `json:"name"`
	RunAt time.Time `json:"run_at"`
}

func scriptStatePath(statePath string) string {
	return filepath.Join(filepath.Dir(statePath), "dotfiles-scripts.json")
}

// loadScriptState reads the state; a missing or unreadable file is empty
// (every run_once_ and run_onchange_ script runs again, as after
// chezmoi state reset).
func loadScriptState(p string) *scriptState {
	st := &scriptState{path: p}
	if b, err := os.ReadFile(p); err == nil {
		_ = json.Unmarshal(b, st)
	}
	st.Version = 1
	if st.Once == nil {
		st.Once = map[string]scriptOnce{}
	}
	if st.OnChange == nil {
		st.OnChange = map[string]string{}
	}
	return st
}

func (st *scriptState) save() error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(st.path), 0o700); err != nil {
		return err
	}
	return state.WriteFileAtomic(st.path, append(b, '\n'), 0o600)
}
