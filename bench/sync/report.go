package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// report is everything one run measured, printed as tables.
type report struct {
	flags       flags
	started     time.Time
	cpus        int
	gitVersion  string
	source      string // the hearth commit measured, when built here
	pairs       []*pair
	fleetHearth []*fleetRun
	fleetPlain  []*fleetRun
	traces      []*traceSummary
}

func (r *report) print(w io.Writer) {
	f := r.flags
	fmt.Fprintf(w, "hearth sync benchmark, %s, %s, %d CPUs, %d files in the repo\n",
		r.started.Format("2006-01-02 15:04Z"), r.gitVersion, r.cpus, f.files)
	if r.source != "" {
		fmt.Fprintf(w, "hearth built from %s\n", r.source)
	}
	if len(r.pairs) > 0 {
		fmt.Fprintf(w, "\nRounds: median (min) wall ms of %d runs after %d warm-up, hearth and baseline alternating\n", f.runs, f.warmup)
		fmt.Fprintf(w, "%-9s %-16s %-17s %-30s %-17s %-7s %-9s %s\n", "transport", "round", "hearth", "baseline", "baseline ms", "ratio", "ratio min", "aim")
		for _, p := range r.pairs {
			hw, gw := p.hearth.walls(), p.git.walls()
			fmt.Fprintf(w, "%-9s %-16s %-17s %-30s %-17s %-7s %-9s <=%.1fx\n", p.transport, p.what,
				msPair(hw), p.baseline, msPair(gw), ratio(median(hw), median(gw)), ratio(minimum(hw), minimum(gw)), p.aim)
		}
		for _, p := range r.pairs {
			if p.noFetch > 0 {
				fmt.Fprintf(w, "(%s %s: in %d of %d rounds hearth read the local remote's branch and, finding it unmoved, did not fetch)\n",
					p.transport, p.what, p.noFetch, len(p.hearth.walls()))
			}
		}
		if len(r.pairs[0].hearthKB) > 0 {
			fmt.Fprintf(w, "\nPeak memory: median max RSS (MB) over %d rounds of the largest single process (/usr/bin/time -f %%M:\n", len(r.pairs[0].hearthKB))
			fmt.Fprintf(w, "hearth itself or a git it ran; for the shell sequence, sh or any git)\n")
			fmt.Fprintf(w, "%-9s %-16s %-8s %-30s %s\n", "transport", "round", "hearth", "baseline", "baseline MB")
			for _, p := range r.pairs {
				fmt.Fprintf(w, "%-9s %-16s %-8.1f %-30s %.1f\n", p.transport, p.what, median(p.hearthKB)/1024, p.baseline, median(p.gitKB)/1024)
			}
		}
	}
	if len(r.fleetHearth) > 0 {
		fmt.Fprintf(w, "\nFleet: %d hosts over %s, each edits its own file and its own line of one shared file, all start at once;\n", f.hosts, f.fleetTransport)
		fmt.Fprintf(w, "waves of rounds (every host not at the remote's tip, started together) until every host's HEAD is the tip.\n")
		fmt.Fprintf(w, "%-7s %-24s %-9s %-11s %-6s %-7s %-8s %-8s %s\n", "run", "who", "converge", "first wave", "waves", "rounds", "retries", "pending", "conflicts")
		for i := range r.fleetHearth {
			r.fleetLine(w, fmt.Sprint(i+1), "hearth sync", r.fleetHearth[i])
			r.fleetLine(w, fmt.Sprint(i+1), "plain pull --rebase loop", r.fleetPlain[i])
		}
		hm, pm := fleetMedian(r.fleetHearth), fleetMedian(r.fleetPlain)
		r.fleetLine(w, "median", "hearth sync", hm)
		r.fleetLine(w, "median", "plain pull --rebase loop", pm)
		fmt.Fprintf(w, "time to converge, hearth/plain: %s\n", ratio(ms(hm.total), ms(pm.total)))
	}
	if len(r.traces) > 0 {
		fmt.Fprintf(w, "\nProcesses of one round of each kind (strace -f; times are inflated by strace; the HTTP server side is not traced)\n")
		for _, t := range r.traces {
			fmt.Fprint(w, t.String())
		}
	}
}

func (r *report) fleetLine(w io.Writer, run, who string, x *fleetRun) {
	conflicts := fmt.Sprint(x.conflicts)
	pending := fmt.Sprint(x.pending)
	if strings.HasPrefix(who, "plain") {
		conflicts, pending = "-", "-"
	}
	fmt.Fprintf(w, "%-7s %-24s %-9s %-11s %-6d %-7d %-8d %-8s %s\n", run, who,
		fmt.Sprintf("%.2f s", x.total.Seconds()), fmt.Sprintf("%.2f s", x.firstWave.Seconds()),
		x.waves, x.rounds, x.retries, pending, conflicts)
	if len(x.perWave) > 0 {
		fmt.Fprintf(w, "        waves: %s\n", strings.Join(x.perWave, ", "))
	}
}

// fleetMedian is the per-field median over runs.
func fleetMedian(runs []*fleetRun) *fleetRun {
	pick := func(get func(*fleetRun) float64) float64 {
		xs := make([]float64, len(runs))
		for i, x := range runs {
			xs[i] = get(x)
		}
		return median(xs)
	}
	return &fleetRun{
		hosts:     runs[0].hosts,
		total:     time.Duration(pick(func(x *fleetRun) float64 { return float64(x.total) })),
		firstWave: time.Duration(pick(func(x *fleetRun) float64 { return float64(x.firstWave) })),
		waves:     int(pick(func(x *fleetRun) float64 { return float64(x.waves) })),
		rounds:    int(pick(func(x *fleetRun) float64 { return float64(x.rounds) })),
		retries:   int(pick(func(x *fleetRun) float64 { return float64(x.retries) })),
		pending:   int(pick(func(x *fleetRun) float64 { return float64(x.pending) })),
		conflicts: int(pick(func(x *fleetRun) float64 { return float64(x.conflicts) })),
	}
}

func msPair(xs []float64) string { return fmt.Sprintf("%.1f (%.1f)", median(xs), minimum(xs)) }

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}
