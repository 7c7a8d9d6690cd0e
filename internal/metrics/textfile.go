package metrics

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The Prometheus text exposition format 0.0.4, written by hand: linking
// client_golang cost every hearth invocation about 2 ms of package init for
// a file that is a few dozen lines of stable text.

// desc describes one metric family. Names and label names are constants of
// this package and valid Prometheus identifiers, so they are written as is.
type desc struct {
	name, help, typ string
	labels          []string // label names, in the order values are given
}

func newGauge(name, help string, labels ...string) *desc {
	return &desc{name: name, help: help, typ: "gauge", labels: labels}
}

// sample is one series: values are in the order of d.labels.
type sample struct {
	d      *desc
	values []string
	value  float64
}

// samples collects the series of one rendering.
type samples []sample

// add appends a series. Label values come from files on disk, so invalid
// UTF-8 is replaced: the format requires UTF-8 and a scraper would reject
// the whole file otherwise.
func (s *samples) add(d *desc, v float64, values ...string) {
	for i, l := range values {
		values[i] = strings.ToValidUTF8(l, "\uFFFD")
	}
	*s = append(*s, sample{d: d, values: values, value: v})
}

// series is a sample with its label pairs sorted by label name, as the
// format's consumers (and client_golang before) expect them.
type series struct {
	names, values []string
	value         float64
}

// encode writes families sorted by name and, within a family, series sorted
// by their label values in label-name order; families without series are
// left out. A series with the wrong number of labels, or the same labels
// twice, is an error rather than a file a scraper would reject.
func encode(ss samples) ([]byte, error) {
	fams := map[string]*desc{}
	bySeries := map[string][]series{}
	for _, s := range ss {
		if len(s.values) != len(s.d.labels) {
			return nil, fmt.Errorf("metric %s: %d label values for %d labels", s.d.name, len(s.values), len(s.d.labels))
		}
		if prev, ok := fams[s.d.name]; ok && prev != s.d {
			return nil, fmt.Errorf("metric %s: described twice", s.d.name)
		}
		fams[s.d.name] = s.d
		bySeries[s.d.name] = append(bySeries[s.d.name], sortedPairs(s))
	}
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)

	var buf bytes.Buffer
	for _, n := range names {
		d, list := fams[n], bySeries[n]
		sort.Slice(list, func(i, j int) bool { return lessValues(list[i].values, list[j].values) })
		for i := 1; i < len(list); i++ {
			if !lessValues(list[i-1].values, list[i].values) {
				return nil, fmt.Errorf("metric %s: series %s collected twice", n, labelText(list[i]))
			}
		}
		buf.WriteString("# HELP " + n + " " + helpEscaper.Replace(d.help) + "\n")
		buf.WriteString("# TYPE " + n + " " + d.typ + "\n")
		for _, s := range list {
			buf.WriteString(n + labelText(s) + " " + formatFloat(s.value) + "\n")
		}
	}
	return buf.Bytes(), nil
}

func sortedPairs(s sample) series {
	idx := make([]int, len(s.d.labels))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s.d.labels[idx[a]] < s.d.labels[idx[b]] })
	out := series{names: make([]string, len(idx)), values: make([]string, len(idx)), value: s.value}
	for i, k := range idx {
		out.names[i], out.values[i] = s.d.labels[k], s.values[k]
	}
	return out
}

func lessValues(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

// labelText is `{name="value",...}`, or nothing for a series without labels.
func labelText(s series) string {
	if len(s.names) == 0 {
		return ""
	}
	var b strings.Builder
	for i, n := range s.names {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		b.WriteByte(sep)
		b.WriteString(n + `="` + labelEscaper.Replace(s.values[i]) + `"`)
	}
	b.WriteByte('}')
	return b.String()
}

// formatFloat spells values as Prometheus does; -0 is written as 0.
func formatFloat(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
