package dotfiles

import (
	"strings"
	"testing"
)

// TestDecodersAreCapped: every decoding template function refuses an
// input over the data budget before decoding it.
func TestDecodersAreCapped(t *testing.T) {
	r := &renderer{opts: &Options{MaxDataSize: 4096}}
	fm := r.funcMap()
	big := "[" + strings.Repeat("0,", 3000) + "0]"
	for name := range decoderFormats {
		f, ok := fm[name].(func(string) (any, error))
		if !ok {
			t.Fatalf("%s is not a func(string) (any, error): its input is not capped", name)
		}
		if _, err := f(big); err == nil || !strings.Contains(err.Error(), "max_data_size") {
			t.Errorf("%s over a 6 KB document with a 4 KB budget: %v, want a max_data_size error", name, err)
		}
	}
}
