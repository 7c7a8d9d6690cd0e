package metrics

import (
	"bytes"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// renderClientGolang is the renderer hearth used before it wrote the format
// itself: the same series go through a pedantic client_golang registry and
// expfmt, so tests can hold encode to byte-for-byte equality with it.
func renderClientGolang(ss samples) ([]byte, error) {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(&constCollector{ss: ss}); err != nil {
		return nil, err
	}
	families, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, mf := range families {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// constCollector replays samples as constant gauges.
type constCollector struct{ ss samples }

func (c *constCollector) promDesc(d *desc) *prometheus.Desc {
	return prometheus.NewDesc(d.name, d.help, d.labels, nil)
}

func (c *constCollector) Describe(ch chan<- *prometheus.Desc) {
	seen := map[*desc]bool{}
	for _, s := range c.ss {
		if !seen[s.d] {
			seen[s.d] = true
			ch <- c.promDesc(s.d)
		}
	}
}

func (c *constCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.ss {
		d := c.promDesc(s.d)
		vt := prometheus.GaugeValue
		if s.d.typ == "counter" {
			vt = prometheus.CounterValue
		}
		m, err := prometheus.NewConstMetric(d, vt, s.value, s.values...)
		if err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
}
