package dotfiles

import (
	"context"
	"fmt"
	"testing"

	"github.com/itchyny/gojq"
)

// TestBoundJQKeepsResults: the rewritten query gives gojq's own results,
// in gojq's order, for the forms it rewrites.
func TestBoundJQKeepsResults(t *testing.T) {
	input := map[string]any{"a": "ab", "n": 3, "o": map[string]any{"x": map[string]any{"y": 1}}, "l": []any{1, []any{2, []any{3}}}}
	for _, q := range []string{
		`.a * 3`, `3 * .a`, `.a * 0`, `.a * -1`, `.a * 2.7`, `2 * 3`, `(1,2) * (10,20)`, `(.a, "c") * (1, 2)`,
		`.o * {x: {z: 2}}`, `.a *= 2`, `.n *= (2, 3)`, `.l | flatten`, `.l | flatten(1)`, `[.a, "c"] | add`, `[.a, "c"] | join("-")`,
		`tojson`, `.n | tostring`, `"x\(.a)y\(.n + 1)"`, `@base64 "v=\(.a)"`, `.a | @base64`, `[.a] | @csv`, `.["\(.a)"]`,
		`{"\(.a)": 1}`, `def tojson: "mine"; tojson`, `try error({a: 1}) catch .`, `.a | ascii_upcase | ltrimstr("A")`,
		`path(.o.x.y)`, `[paths]`, `getpath(["o","x"])`, `reduce range(3) as $i (.a; . * 2)`, `[limit(3; repeat(.a))]`,
		`.l[3] = 1`, `.o.x |= . + {z: 1}`, `.n += 1`, `.n -= (1, 2)`, `.l[0] //= 5`, `.z //= 5`, `.n /= 2`, `.n %= 2`,
		`(.a, .z) = (1, 2)`, `.l[] |= (. | tostring)`, `setpath(["l", 2]; 9)`, `fromstream(tostream)`, `[.[] | numbers] |= length`,
		`.o | to_entries | map(.value = 1) | from_entries`, `reduce range(4) as $i ([]; .[$i] = $i)`, `.[] = 1`, `del(.l[0]) | .l[1] = 2`,
	} {
		t.Run(q, func(t *testing.T) {
			want := runJQ(t, q, input, false)
			got := runJQ(t, q, input, true)
			if got != want {
				t.Errorf("bounded %s = %s, gojq gives %s", q, got, want)
			}
		})
	}
}

func runJQ(t *testing.T, query string, input any, bounded bool) string {
	t.Helper()
	q, err := gojq.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	var opts []gojq.CompilerOption
	if bounded {
		if err := boundJQ(q); err != nil {
			t.Fatal(err)
		}
		opts = jqOptions(context.Background(), 1<<20)
	}
	code, err := gojq.Compile(q, opts...)
	if err != nil {
		t.Fatalf("compile %s: %v", q, err)
	}
	var out []any
	iter := code.Run(jqInput(input))
	for {
		v, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := v.(error); ok {
			out = append(out, "error: "+err.Error())
			break
		}
		out = append(out, v)
	}
	return fmt.Sprintf("%#v", out)
}
