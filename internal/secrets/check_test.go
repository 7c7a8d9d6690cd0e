package secrets

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	testCheck(t, nil)
}

// testCheck runs the cases with dec, or in-process when dec is nil.
func testCheck(t *testing.T, dec Decrypter) {
	tests := []struct {
		name string
		// edit adjusts options; it returns substrings the error must
		// contain, none for a passing check.
		edit func(f *fixture, o *Options) []string
	}{
		{"valid", func(f *fixture, o *Options) []string { return nil }},
		{"valid without a key configured", func(f *fixture, o *Options) []string {
			o.AgeKeyFile = ""
			return nil
		}},
		{"values corrupted (check never decrypts)", func(f *fixture, o *Options) []string {
			file := o.Secrets[0].SopsFile
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			data = regexp.MustCompile(`data:[A-Za-z0-9+/=]+`).ReplaceAll(data, []byte("data:AAAA"))
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
		{"missing key path", func(f *fixture, o *Options) []string {
			o.Secrets[1].Key = "db/nope"
			return []string{`"b"`, o.Secrets[1].SopsFile, "db/nope", "not found"}
		}},
		{"key through a leaf", func(f *fixture, o *Options) []string {
			o.Secrets[0].Key = "top/deeper"
			return []string{`"a"`, o.Secrets[0].SopsFile, "not a mapping"}
		}},
		{"two problems reported together", func(f *fixture, o *Options) []string {
			o.Secrets[0].Key = "x"
			o.Secrets[1].Key = "y"
			return []string{`"a"`, `"b"`}
		}},
		{"not encrypted to this host", func(f *fixture, o *Options) []string {
			_, other := f.newKey("other.txt")
			o.AgeKeyFile = other
			return []string{`"a"`, `"b"`, o.Secrets[0].SopsFile, "not encrypted to any configured age key"}
		}},
		{"not a sops file", func(f *fixture, o *Options) []string {
			if err := os.WriteFile(o.Secrets[0].SopsFile, []byte("top: plain\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return []string{`"a"`, o.Secrets[0].SopsFile}
		}},
		{"name escapes", func(f *fixture, o *Options) []string {
			o.Secrets[0].Name = "../a"
			return []string{`"../a"`, "escapes"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if dec != nil {
				f.dec = dec
			}
			file := f.sops("s.yaml", "yaml", "top: v1\ndb:\n  pass: v2\n")
			o := f.opts(
				Spec{Name: "a", SopsFile: file, Key: "top"},
				Spec{Name: "b", SopsFile: file, Key: "db/pass"},
			)
			want := tt.edit(f, &o)
			err := Check(t.Context(), o)
			if len(want) == 0 {
				if err != nil {
					t.Fatalf("Check = %v, want ok", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check passed, want an error naming %v", want)
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check error %q does not contain %q", err, w)
				}
			}
		})
	}
}
