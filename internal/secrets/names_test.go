package secrets

import (
	"strings"
	"testing"
)

func TestValidateNames(t *testing.T) {
	tests := []struct {
		name    string
		wantErr string
	}{
		{"api", ""},
		{"app/db_password", ""},
		{"with.dot", ""},
		{"", "empty"},
		{"..", "escapes"},
		{"../x", "escapes"},
		{"a/../../x", "escapes"},
		{"a/../b", "escapes"},
		{"/etc/shadow", "absolute"},
		{"a//b", "escapes"},
		{"a/", "escapes"},
		{"./a", "escapes"},
		{`a\b`, "backslash"},
		{"a\x00b", "NUL"},
		{".tmp-x", "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkName(tt.name)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checkName(%q) = %v, want ok", tt.name, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("checkName(%q) = %v, want error with %q", tt.name, err, tt.wantErr)
			}
		})
	}
}

func TestValidateSpecs(t *testing.T) {
	tests := []struct {
		name    string
		specs   []Spec
		wantErr string
	}{
		{"ok", []Spec{{Name: "a", SopsFile: "/s.yaml", Key: "a"}}, ""},
		{"duplicate", []Spec{{Name: "a", SopsFile: "/s.yaml"}, {Name: "a", SopsFile: "/t.yaml"}}, "twice"},
		{"file and dir", []Spec{{Name: "a", SopsFile: "/s.yaml"}, {Name: "a/b", SopsFile: "/s.yaml"}}, "both a file and a directory"},
		{"no sops file", []Spec{{Name: "a"}}, "no sops file"},
		{"key on binary", []Spec{{Name: "a", SopsFile: "/cert.pem", Key: "x"}}, "binary"},
		{"empty key segment", []Spec{{Name: "a", SopsFile: "/s.yaml", Key: "a//b"}}, "empty segment"},
		{"setuid mode", []Spec{{Name: "a", SopsFile: "/s.yaml", Mode: 0o4755}}, "beyond 0777"},
		{"bad unit", []Spec{{Name: "a", SopsFile: "/s.yaml", RestartUnits: []string{"--force"}}}, "bad unit"},
		{"two formats", []Spec{{Name: "a", SopsFile: "/s.yaml"}, {Name: "b", SopsFile: "/s.yaml", Format: "json"}}, "both yaml and json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{Root: "/run/secrets", Secrets: tt.specs}.withDefaults()
			err := validate(&o)
			if err == nil {
				_, err = groupByFile(o.Secrets)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got %v, want ok", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v, want error with %q", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), `"`+tt.specs[len(tt.specs)-1].Name+`"`) {
				t.Errorf("error %q does not name the secret", err)
			}
		})
	}
}

func TestFormatByExtension(t *testing.T) {
	tests := map[string]string{
		"s.yaml": "yaml", "s.YML": "yaml", "s.json": "json", "s.env": "dotenv",
		"s.pem": "binary", "s": "binary", "s.ini": "binary",
	}
	for file, want := range tests {
		got, err := formatOf(Spec{SopsFile: file})
		if err != nil || got != want {
			t.Errorf("formatOf(%s) = %q, %v; want %q", file, got, err, want)
		}
	}
}
