package chezmoicfg

import (
	"encoding/json"
	"testing"
)

func TestStripJSONC(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a": 1}`, `{"a":1}`},
		{"{\"a\": 1, // c\n \"b\": 2,}", `{"a":1,"b":2}`},
		{`{"url": "http://x/*y*/", /* c */ "l": [1, 2,]}`, `{"l":[1,2],"url":"http://x/*y*/"}`},
		{`{"q": "a\"//b"}`, `{"q":"a\"//b"}`},
	}
	for _, tt := range tests {
		var v any
		if err := json.Unmarshal(StripJSONC([]byte(tt.in)), &v); err != nil {
			t.Errorf("StripJSONC(%q) = %q: %v", tt.in, StripJSONC([]byte(tt.in)), err)
			continue
		}
		got, _ := json.Marshal(v)
		if string(got) != tt.want {
			t.Errorf("StripJSONC(%q) decodes to %s, want %s", tt.in, got, tt.want)
		}
	}
}
