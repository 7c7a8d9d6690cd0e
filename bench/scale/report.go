package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// aimMiB is the bound on a round's peak memory.
const aimMiB = 64

// report is everything one run measured, printed as tables.
type report struct {
	flags      flags
	started    time.Time
	cpus       int
	gitVersion string
	source     string // the hearth commit measured, when built here
	rss        []*rssCase
	apply      *applyCase
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "hearth scale benchmark, %s, %s, %d CPUs\n", r.started.Format("2006-01-02 15:04Z"), r.gitVersion, r.cpus)
	if r.source != "" {
		fmt.Fprintf(w, "hearth built from %s\n", r.source)
	}
	if len(r.rss) > 0 {
		fmt.Fprintf(w, "\nPeak memory: max RSS in MiB of the largest single process (GNU time %%M), median (max) of the runs,\n")
		fmt.Fprintf(w, "hearth and peer alternating. \"largest git\": the largest git process hearth ran (max over the runs);\n")
		fmt.Fprintf(w, "\"hearth alone\": the median over the runs whose figure is above their largest git, so hearth's own\n")
		fmt.Fprintf(w, "(\"<=\" when a git was the largest process in every run)\n")
		fmt.Fprintf(w, "%-12s %-24s %-4s %-17s %-12s %-17s %-30s %-17s %-11s %s\n", "tree", "operation", "runs", "hearth", "hearth alone", "largest git", "peer", "peer MiB", "hearth/peer", "aim <=64 MiB")
		for _, c := range r.rss {
			h, p := kbs(c.hearth), kbs(c.plain)
			met := "met"
			if median(h)/1024 > aimMiB {
				met = "not met"
			}
			fmt.Fprintf(w, "%-12s %-24s %-4d %-17s %-12s %-17s %-30s %-17s %-11s %s\n", c.tree, c.what, len(h),
				mibPair(h), hearthAlone(c.hearth), largestGit(c.hearth), c.peer, mibPair(p), ratio(median(h), median(p)), met)
		}
	}
	if a := r.apply; a != nil {
		hw, pw := walls(a.hearth), walls(a.plain)
		fmt.Fprintf(w, "\nFirst apply of %d files (%.1f MiB) into an empty home: median (min) wall s of %d runs each, alternating\n",
			a.tree.files, float64(a.tree.bytes)/(1<<20), len(hw))
		fmt.Fprintf(w, "%-14s %-15s %-18s %-15s %-7s %-9s %s\n", "who", "wall s", "peer", "peer s", "ratio", "ratio min", "aim")
		fmt.Fprintf(w, "%-14s %-15s %-18s %-15s %-7s %-9s <=1.5x\n", "hearth apply", secPair(hw), "cp -a + sync -f", secPair(pw),
			ratio(median(hw), median(pw)), ratio(slices.Min(hw), slices.Min(pw)))
		fmt.Fprintf(w, "peak RSS, median MiB: hearth apply %.1f, cp -a + sync -f %.1f\n", median(kbs(a.hearth))/1024, median(kbs(a.plain))/1024)
	}
}

func kbs(ms []measure) []float64 {
	out := make([]float64, len(ms))
	for i, m := range ms {
		out[i] = float64(m.kb)
	}
	return out
}

func walls(ms []measure) []float64 {
	out := make([]float64, len(ms))
	for i, m := range ms {
		out[i] = m.wall.Seconds()
	}
	return out
}

func largestGit(ms []measure) string {
	var best gitPeak
	for _, m := range ms {
		if m.git.kb > best.kb {
			best = m.git
		}
	}
	if best.kb == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f %s", float64(best.kb)/1024, best.sub)
}

// hearthAlone is hearth's own peak where the runs tell it: the figure of a
// run is hearth's when every git it ran stayed below it (the shim's sh and
// time take about 2 MiB).
func hearthAlone(ms []measure) string {
	var own []float64
	for _, m := range ms {
		if m.kb > m.git.kb {
			own = append(own, float64(m.kb))
		}
	}
	if len(own) == 0 {
		return fmt.Sprintf("<=%.1f", median(kbs(ms))/1024)
	}
	return fmt.Sprintf("%.1f", median(own)/1024)
}

func mibPair(kb []float64) string {
	return fmt.Sprintf("%.1f (%.1f)", median(kb)/1024, slices.Max(kb)/1024)
}

func secPair(s []float64) string { return fmt.Sprintf("%.2f (%.2f)", median(s), slices.Min(s)) }

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
