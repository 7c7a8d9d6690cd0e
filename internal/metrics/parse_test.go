package metrics

import (
	"bytes"
	"math"
	"slices"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// allDescs is every family hearth writes; fullStateDir produces each.
var allDescs = []*desc{descLastRun, descDuration, descResult, descCommit, descCorrupt,
	descDeployed, descSystemGen, descRebootNeeded, descConflicts, descHeld, descGoldenGen, descGoldenInfo, descGoldenSince,
	descAttempts, descMaxAttempts, descVerdict, descBootCorrupt}

func TestDescNamesAreValid(t *testing.T) {
	for _, d := range allDescs {
		if !model.LegacyValidation.IsValidMetricName(d.name) {
			t.Errorf("metric name %q is not a valid Prometheus name", d.name)
		}
		for _, l := range d.labels {
			if !model.LegacyValidation.IsValidLabelName(l) {
				t.Errorf("metric %s: label name %q is not valid", d.name, l)
			}
		}
	}
}

// TestRenderParses reads Render's output with Prometheus' parser and checks
// every family's help, type, label names and every series' value against
// what the collector gathered.
func TestRenderParses(t *testing.T) {
	dir := fullStateDir(t)
	out, err := Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, out)
	}
	if len(fams) != len(allDescs) {
		t.Errorf("%d families in the output, want %d", len(fams), len(allDescs))
	}
	for _, d := range allDescs {
		fam, ok := fams[d.name]
		if !ok {
			t.Errorf("family %s missing", d.name)
			continue
		}
		if fam.GetHelp() != d.help {
			t.Errorf("%s: help %q, want %q", d.name, fam.GetHelp(), d.help)
		}
		if fam.GetType() != dto.MetricType_GAUGE {
			t.Errorf("%s: type %v, want gauge", d.name, fam.GetType())
		}
		for _, m := range fam.GetMetric() {
			var names []string
			for _, l := range m.GetLabel() {
				names = append(names, l.GetName())
			}
			want := slices.Sorted(slices.Values(d.labels))
			if !slices.Equal(names, want) {
				t.Errorf("%s: labels %v, want %v", d.name, names, want)
			}
		}
	}

	// Every collected series is in the file with its value, and nothing else.
	parsed := map[string]float64{}
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			parsed[name+"{"+labelString(m)+"}"] = m.GetGauge().GetValue()
		}
	}
	ss := collect(dir)
	if len(parsed) != len(ss) {
		t.Errorf("%d series in the file, %d collected", len(parsed), len(ss))
	}
	for _, s := range ss {
		p := sortedPairs(s)
		m := &dto.Metric{}
		for i := range p.names {
			m.Label = append(m.Label, &dto.LabelPair{Name: &p.names[i], Value: &p.values[i]})
		}
		key := s.d.name + "{" + labelString(m) + "}"
		v, ok := parsed[key]
		switch {
		case !ok:
			t.Errorf("series %s missing; have %v", key, keys(parsed))
		case v != s.value && !(math.IsNaN(v) && math.IsNaN(s.value)):
			t.Errorf("%s = %v, want %v", key, v, s.value)
		}
	}
}
