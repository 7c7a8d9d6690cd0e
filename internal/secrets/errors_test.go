package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestInstallErrorsKeepPrevious installs a good generation, breaks one thing,
// and checks that the next install fails naming the secret and the file,
// and leaves the root, the generations and every file exactly as they were.
// TestExecDecrypter runs the same cases through the hearth-sops helper.
func TestInstallErrorsKeepPrevious(t *testing.T) {
	testInstallErrors(t, nil)
}

// testInstallErrors runs the cases with dec, or in-process when dec is nil.
func testInstallErrors(t *testing.T, dec Decrypter) {
	const (
		valueA = "previous-value-a-9f3c"
		valueB = "previous-value-b-71d2"
	)
	tests := []struct {
		name string
		// breakIt changes the sandbox or the options; it returns the names
		// the error must mention (the secret and the file).
		breakIt func(f *fixture, o *Options) []string
		errIs   error
		errText string
	}{
		{
			name: "wrong age key",
			breakIt: func(f *fixture, o *Options) []string {
				_, other := f.newKey("other-key.txt")
				o.AgeKeyFile = other
				return []string{`"a"`, `"b"`, o.Secrets[0].SopsFile}
			},
			errText: "no configured age key opens this file",
		},
		{
			name: "tampered file (entry removed, MAC mismatch)",
			breakIt: func(f *fixture, o *Options) []string {
				file := o.Secrets[0].SopsFile
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				cut := regexp.MustCompile(`(?m)^c: ENC\[.*\]\n`)
				if !cut.Match(data) {
					t.Fatalf("no entry c in %s", data)
				}
				if err := os.WriteFile(file, cut.ReplaceAll(data, nil), 0o644); err != nil {
					t.Fatal(err)
				}
				return []string{`"a"`, file}
			},
			errIs: ErrMAC,
		},
		{
			name: "tampered ciphertext",
			breakIt: func(f *fixture, o *Options) []string {
				file := o.Secrets[0].SopsFile
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				// Flip one base64 character of a's ciphertext.
				re := regexp.MustCompile(`(?m)^(a: ENC\[AES256_GCM,data:)(.)`)
				data = re.ReplaceAllFunc(data, func(m []byte) []byte {
					c := m[len(m)-1]
					if c == 'A' {
						c = 'B'
					} else {
						c = 'A'
					}
					return append(m[:len(m)-1:len(m)-1], c)
				})
				if err := os.WriteFile(file, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return []string{`"a"`, file}
			},
			errText: "file damaged or modified",
		},
		{
			name: "missing key path",
			breakIt: func(f *fixture, o *Options) []string {
				o.Secrets[1].Key = "nested/missing"
				return []string{`"b"`, o.Secrets[1].SopsFile, "nested/missing"}
			},
			errText: "not found",
		},
		{
			name: "unknown owner",
			breakIt: func(f *fixture, o *Options) []string {
				o.Secrets[1].Owner = "nosuchuser"
				return []string{`"b"`, o.Secrets[1].SopsFile, "nosuchuser"}
			},
			errText: "unknown user",
		},
		{
			name: "unknown group",
			breakIt: func(f *fixture, o *Options) []string {
				o.Secrets[0].Group = "nosuchgroup"
				return []string{`"a"`, o.Secrets[0].SopsFile, "nosuchgroup"}
			},
			errText: "unknown group",
		},
		{
			name: "name with ..",
			breakIt: func(f *fixture, o *Options) []string {
				o.Secrets[1].Name = "../../etc/evil"
				return []string{`"../../etc/evil"`, o.Secrets[1].SopsFile}
			},
			errText: "escapes the secrets root",
		},
		{
			name: "absolute name",
			breakIt: func(f *fixture, o *Options) []string {
				o.Secrets[1].Name = "/etc/evil"
				return []string{`"/etc/evil"`, o.Secrets[1].SopsFile}
			},
			errText: "absolute",
		},
		{
			name: "root is a planted symlink",
			breakIt: func(f *fixture, o *Options) []string {
				elsewhere := filepath.Join(f.dir, "elsewhere")
				if err := os.Mkdir(elsewhere, 0o755); err != nil {
					t.Fatal(err)
				}
				replaceLink(t, o.Root, elsewhere)
				return []string{o.Root, elsewhere}
			},
			errText: "refusing",
		},
		{
			name: "root is a symlink to a lookalike outside the generations dir",
			breakIt: func(f *fixture, o *Options) []string {
				fake := filepath.Join(f.dir, "fake.d", "1")
				if err := os.MkdirAll(fake, 0o755); err != nil {
					t.Fatal(err)
				}
				replaceLink(t, o.Root, fake)
				return []string{o.Root, fake}
			},
			errText: "refusing",
		},
		{
			name: "unknown format",
			breakIt: func(f *fixture, o *Options) []string {
				o.Secrets[0].Format = "toml"
				return []string{`"a"`, o.Secrets[0].SopsFile, "toml"}
			},
			errText: "unknown format",
		},
		{
			name: "missing sops file",
			breakIt: func(f *fixture, o *Options) []string {
				o.Secrets[1].SopsFile = filepath.Join(f.dir, "gone.yaml")
				return []string{`"b"`, o.Secrets[1].SopsFile}
			},
			errIs: os.ErrNotExist,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if dec != nil {
				f.dec = dec
			}
			file := f.sops("s.yaml", "yaml", "a: "+valueA+"\nnested:\n  b: "+valueB+"\nc: other\n")
			o := f.opts(
				Spec{Name: "a", SopsFile: file, Key: "a", Owner: "rain"},
				Spec{Name: "b", SopsFile: file, Key: "nested/b", Mode: 0o440, RestartUnits: []string{"b.service"}},
			)
			f.install(o)
			f.restart.take()
			mention := tt.breakIt(f, &o)
			before := takeSnapshot(t, f.dir)

			rep, err := Install(t.Context(), o)
			if err == nil {
				t.Fatalf("Install succeeded, want an error (report %+v)", rep)
			}
			msg := err.Error()
			for _, m := range mention {
				if !strings.Contains(msg, m) {
					t.Errorf("error %q does not name %s", msg, m)
				}
			}
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Errorf("error %q is not %v", msg, tt.errIs)
			}
			if tt.errText != "" && !strings.Contains(msg, tt.errText) {
				t.Errorf("error %q does not say %q", msg, tt.errText)
			}
			for _, v := range []string{valueA, valueB} {
				if strings.Contains(msg, v) {
					t.Errorf("error leaks a secret value: %q", msg)
				}
			}
			if after := takeSnapshot(t, f.dir); !reflect.DeepEqual(before, after) {
				t.Errorf("failed install changed the sandbox:\nbefore %v\nafter  %v", before, after)
			}
			if units := f.restart.take(); len(units) != 0 {
				t.Errorf("failed install restarted %v", units)
			}
		})
	}
}

// replaceLink atomically points the symlink at link to target, as an
// attacker with write access to its directory could.
func replaceLink(t *testing.T, link, target string) {
	t.Helper()
	tmp := link + ".planted"
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

func TestInstallRefusesRealRoot(t *testing.T) {
	for _, kind := range []string{"dir", "file"} {
		t.Run(kind, func(t *testing.T) {
			f := newFixture(t)
			file := f.sops("s.yaml", "yaml", "a: x\n")
			o := f.opts(Spec{Name: "a", SopsFile: file, Key: "a"})
			if err := os.MkdirAll(filepath.Dir(o.Root), 0o755); err != nil {
				t.Fatal(err)
			}
			var err error
			if kind == "dir" {
				err = os.Mkdir(o.Root, 0o755)
			} else {
				err = os.WriteFile(o.Root, []byte("mine"), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			before := takeSnapshot(t, f.dir)
			if _, err := Install(t.Context(), o); err == nil || !strings.Contains(err.Error(), o.Root) {
				t.Fatalf("Install over a real %s: err = %v, want a refusal naming %s", kind, err, o.Root)
			}
			fi, err := os.Lstat(o.Root)
			if err != nil || fi.Mode()&os.ModeSymlink != 0 {
				t.Errorf("real %s at root was replaced (%v)", kind, err)
			}
			if after := takeSnapshot(t, f.dir); !reflect.DeepEqual(before, after) {
				t.Errorf("refused install changed the sandbox")
			}
		})
	}
}

func TestInstallRefusesUnsafeGenerationsDir(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, gens, elsewhere string)
	}{
		{"symlink", func(t *testing.T, gens, elsewhere string) {
			if err := os.Symlink(elsewhere, gens); err != nil {
				t.Fatal(err)
			}
		}},
		{"world writable", func(t *testing.T, gens, _ string) {
			if err := os.Mkdir(gens, 0o777); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(gens, 0o777); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			file := f.sops("s.yaml", "yaml", "a: x\n")
			o := f.opts(Spec{Name: "a", SopsFile: file, Key: "a"})
			gens := o.Root + ".d"
			elsewhere := filepath.Join(f.dir, "elsewhere")
			if err := os.MkdirAll(elsewhere, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Dir(gens), 0o755); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, gens, elsewhere)
			_, err := Install(t.Context(), o)
			if err == nil || !strings.Contains(err.Error(), gens) {
				t.Fatalf("err = %v, want a refusal naming %s", err, gens)
			}
			if _, err := os.Lstat(o.Root); !os.IsNotExist(err) {
				t.Errorf("root created despite the refusal: %v", err)
			}
			if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
				t.Errorf("wrote %d entries through the planted generations dir", len(ents))
			}
		})
	}
}
