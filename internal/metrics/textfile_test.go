package metrics

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestEncode(t *testing.T) {
	plain := newGauge("t_plain", "A plain gauge.")
	labelled := newGauge("t_labelled", "Labels in declared order z, a.", "z", "a")
	help := newGauge("t_help", "Back\\slash and\nnewline, \"quotes\" kept.", "l")
	count := &desc{name: "t_count", help: "A counter.", typ: "counter"}
	tests := []struct {
		name string
		ss   samples
		want string
	}{
		{"nothing", nil, ""},
		{
			name: "series without labels have no braces",
			ss:   samples{{d: plain, value: 3}},
			want: "# HELP t_plain A plain gauge.\n# TYPE t_plain gauge\nt_plain 3\n",
		},
		{
			name: "type line names the family's type",
			ss:   samples{{d: count, value: 9}},
			want: "# HELP t_count A counter.\n# TYPE t_count counter\nt_count 9\n",
		},
		{
			name: "label values escape backslash, quote and newline",
			ss:   samples{{d: help, values: []string{"a\\b\"c\nd'e\tf"}, value: 1}},
			want: "# HELP t_help Back\\\\slash and\\nnewline, \"quotes\" kept.\n# TYPE t_help gauge\n" +
				"t_help{l=\"a\\\\b\\\"c\\nd'e\tf\"} 1\n",
		},
		{
			name: "families sorted by name, labels by name, series by values in label-name order",
			ss: samples{
				{d: plain, value: 1},
				{d: labelled, values: []string{"z2", "a1"}, value: 1},
				{d: labelled, values: []string{"z1", "a2"}, value: 2},
				{d: labelled, values: []string{"z1", "a1"}, value: 3},
				{d: count, value: 0},
			},
			want: "# HELP t_count A counter.\n# TYPE t_count counter\nt_count 0\n" +
				"# HELP t_labelled Labels in declared order z, a.\n# TYPE t_labelled gauge\n" +
				"t_labelled{a=\"a1\",z=\"z1\"} 3\nt_labelled{a=\"a1\",z=\"z2\"} 1\nt_labelled{a=\"a2\",z=\"z1\"} 2\n" +
				"# HELP t_plain A plain gauge.\n# TYPE t_plain gauge\nt_plain 1\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := encode(tc.ss)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("encode =\n%s\nwant\n%s", got, tc.want)
			}
			old, err := renderClientGolang(tc.ss)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, old) {
				t.Errorf("encode differs from client_golang:\n%s", lineDiff(string(old), string(got)))
			}
		})
	}
}

func TestFormatFloat(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1, "1"},
		{-1, "-1"},
		{0.1, "0.1"},
		{1e-7, "1e-07"},
		{1234.5678, "1234.5678"},
		{1795752000.123456789, "1.7957520001234567e+09"},
		{1e21, "1e+21"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.SmallestNonzeroFloat64, "5e-324"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
	}
	d := newGauge("t_float", "Float.")
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := formatFloat(tc.v); got != tc.want {
				t.Errorf("formatFloat(%v) = %q, want %q", tc.v, got, tc.want)
			}
			ss := samples{{d: d, value: tc.v}}
			got, err := encode(ss)
			if err != nil {
				t.Fatal(err)
			}
			old, err := renderClientGolang(ss)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, old) {
				t.Errorf("encode differs from client_golang:\n%s", lineDiff(string(old), string(got)))
			}
		})
	}
}

func TestEncodeRefusesBadSeries(t *testing.T) {
	d := newGauge("t_bad", "Bad.", "job")
	twin := newGauge("t_bad", "Same name, other description.", "job")
	tests := []struct {
		name, wantErr string
		ss            samples
	}{
		{"too few label values", "t_bad: 0 label values for 1 labels", samples{{d: d, value: 1}}},
		{"too many label values", "t_bad: 2 label values for 1 labels", samples{{d: d, values: []string{"a", "b"}}}},
		{"same series twice", `t_bad: series {job="x"} collected twice`,
			samples{{d: d, values: []string{"x"}, value: 1}, {d: d, values: []string{"y"}}, {d: d, values: []string{"x"}, value: 2}}},
		{"two descriptions of one name", "t_bad: described twice",
			samples{{d: d, values: []string{"x"}}, {d: twin, values: []string{"y"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := encode(tc.ss)
			if err == nil {
				t.Fatalf("encode succeeded:\n%s", out)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
			if _, err := renderClientGolang(tc.ss); err == nil {
				t.Error("client_golang accepted the series, so refusing them changes behaviour")
			}
		})
	}
}

func TestAddRepairsUTF8(t *testing.T) {
	var ss samples
	ss.add(newGauge("t_utf8", "UTF-8.", "l"), 1, "ok\xffend")
	if got := ss[0].values[0]; got != "ok\uFFFDend" {
		t.Errorf("label value %q, want the invalid byte replaced by U+FFFD", got)
	}
}

// FuzzEncode compares encode with client_golang for arbitrary label values
// and values (made valid UTF-8 the way add does).
func FuzzEncode(f *testing.F) {
	f.Add("plain", "other", 1.5)
	f.Add("quo\"te", "back\\slash", math.Inf(-1))
	f.Add("new\nline", "", math.NaN())
	f.Add("\xff", "\xfe", math.Copysign(0, -1))
	f.Add("b", "a", 1e300)
	d := newGauge("t_fuzz", "Fuzz.", "k", "j")
	f.Fuzz(func(t *testing.T, a, b string, v float64) {
		var ss samples
		ss.add(d, v, a, b)
		ss.add(d, -v, b, a+"x")
		ss.add(d, 0, a+"y", b)
		got, err := encode(ss)
		if err != nil {
			t.Fatal(err)
		}
		old, err := renderClientGolang(ss)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, old) {
			t.Errorf("encode differs from client_golang:\n%s", lineDiff(string(old), string(got)))
		}
	})
}
