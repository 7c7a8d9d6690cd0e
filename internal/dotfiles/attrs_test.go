package dotfiles

import (
	"io/fs"
	"testing"
)

func TestParseFileName(t *testing.T) {
	tests := []struct {
		name string
		want FileAttrs
	}{
		{"dot_bashrc", FileAttrs{TargetName: ".bashrc"}},
		{"bashrc", FileAttrs{TargetName: "bashrc"}},
		{"private_dot_netrc", FileAttrs{TargetName: ".netrc", Private: true}},
		{"readonly_dot_x", FileAttrs{TargetName: ".x", ReadOnly: true}},
		{"empty_dot_hushlogin", FileAttrs{TargetName: ".hushlogin", Empty: true}},
		{"executable_hello", FileAttrs{TargetName: "hello", Executable: true}},
		{"encrypted_private_readonly_empty_executable_dot_all.tmpl.age",
			FileAttrs{TargetName: ".all", Encrypted: true, Private: true, ReadOnly: true, Empty: true, Executable: true, Template: true}},
		// Out of order prefixes are part of the name.
		{"private_encrypted_x", FileAttrs{TargetName: "encrypted_x", Private: true}},
		{"executable_private_x", FileAttrs{TargetName: "private_x", Executable: true}},
		{"create_dot_x", FileAttrs{TargetName: ".x", Type: FileCreate}},
		{"create_private_executable_x.tmpl", FileAttrs{TargetName: "x", Type: FileCreate, Private: true, Executable: true, Template: true}},
		{"symlink_dot_link", FileAttrs{TargetName: ".link", Type: FileSymlink}},
		{"symlink_dot_link.tmpl", FileAttrs{TargetName: ".link", Type: FileSymlink, Template: true}},
		{"symlink_private_x", FileAttrs{TargetName: "private_x", Type: FileSymlink}},
		{"modify_dot_x", FileAttrs{TargetName: ".x", Type: FileModify}},
		{"remove_dot_x", FileAttrs{TargetName: ".x", Type: FileRemove}},
		{"run_once_before_install.sh", FileAttrs{TargetName: "install.sh", Type: FileScript}},
		{"run_onchange_after_x.sh.tmpl", FileAttrs{TargetName: "x.sh", Type: FileScript, Template: true}},
		{"literal_dot_x", FileAttrs{TargetName: "dot_x"}},
		{"literal_executable_x", FileAttrs{TargetName: "executable_x"}},
		{"private_literal_run_x", FileAttrs{TargetName: "run_x", Private: true}},
		{"dot_x.tmpl.literal", FileAttrs{TargetName: ".x.tmpl"}},
		{"dot_x.literal", FileAttrs{TargetName: ".x"}},
		{"dot_x.tmpl.literal.tmpl", FileAttrs{TargetName: ".x.tmpl", Template: true}},
		{"x.age", FileAttrs{TargetName: "x.age"}},
		{"encrypted_x.age", FileAttrs{TargetName: "x", Encrypted: true}},
		{"encrypted_x.age.literal.age", FileAttrs{TargetName: "x.age", Encrypted: true}},
		{"dot_", FileAttrs{TargetName: "."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseFileName(tt.name); got != tt.want {
				t.Errorf("ParseFileName(%q) = %+v, want %+v", tt.name, got, tt.want)
			}
		})
	}
}

func TestParseDirName(t *testing.T) {
	tests := []struct {
		name string
		want DirAttrs
	}{
		{"dot_config", DirAttrs{TargetName: ".config"}},
		{"exact_private_dot_ssh", DirAttrs{TargetName: ".ssh", Exact: true, Private: true}},
		{"remove_external_exact_private_readonly_dot_d", DirAttrs{TargetName: ".d", Remove: true, External: true, Exact: true, Private: true, ReadOnly: true}},
		{"private_exact_d", DirAttrs{TargetName: "exact_d", Private: true}},
		{"literal_exact_d", DirAttrs{TargetName: "exact_d"}},
		{"executable_d", DirAttrs{TargetName: "executable_d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseDirName(tt.name); got != tt.want {
				t.Errorf("ParseDirName(%q) = %+v, want %+v", tt.name, got, tt.want)
			}
		})
	}
}

func TestSourceNameRoundTrip(t *testing.T) {
	tests := []FileAttrs{
		{TargetName: ".bashrc"},
		{TargetName: ".x", Private: true, Executable: true},
		{TargetName: "executable_x"},
		{TargetName: "dot_x", ReadOnly: true},
		{TargetName: ".x.tmpl"},
		{TargetName: "x.literal", Template: true},
		{TargetName: "x.age", Encrypted: true},
		{TargetName: "x", Type: FileCreate, Empty: true},
		{TargetName: ".l", Type: FileSymlink, Template: true},
	}
	for _, a := range tests {
		t.Run(a.TargetName, func(t *testing.T) {
			name := a.SourceName()
			if got := ParseFileName(name); got != a {
				t.Errorf("ParseFileName(%q) = %+v, want %+v", name, got, a)
			}
		})
	}
}

func TestPerm(t *testing.T) {
	tests := []struct {
		attrs FileAttrs
		want  fs.FileMode
	}{
		{FileAttrs{}, 0o666},
		{FileAttrs{Executable: true}, 0o777},
		{FileAttrs{Private: true}, 0o600},
		{FileAttrs{Private: true, Executable: true}, 0o700},
		{FileAttrs{ReadOnly: true}, 0o444},
		{FileAttrs{ReadOnly: true, Private: true, Executable: true}, 0o500},
	}
	for _, tt := range tests {
		if got := tt.attrs.Perm(); got != tt.want {
			t.Errorf("%+v.Perm() = %o, want %o", tt.attrs, got, tt.want)
		}
	}
	if got := (DirAttrs{Private: true}).Perm(); got != 0o700 {
		t.Errorf("private dir perm = %o, want 700", got)
	}
	if got := (DirAttrs{ReadOnly: true}).Perm(); got != 0o555 {
		t.Errorf("readonly dir perm = %o, want 555", got)
	}
}

// FuzzParseFileName checks that parsing never panics and that, for the
// supported types, SourceName is an exact inverse: re-encoding a parsed
// name and parsing again yields the same attributes.
func FuzzParseFileName(f *testing.F) {
	for _, s := range []string{"dot_bashrc", "encrypted_private_dot_x.tmpl.age", "literal_dot_x.tmpl.literal",
		"create_empty_x", "symlink_dot_l.tmpl", "run_once_x", "dot_x.literal.tmpl", "executable_literal_dot_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		a := ParseFileName(name)
		if a.Type != FileRegular && a.Type != FileCreate && a.Type != FileSymlink {
			return
		}
		if a.Type == FileSymlink {
			a.Encrypted, a.Private, a.ReadOnly, a.Empty, a.Executable = false, false, false, false, false
		}
		enc := a.SourceName()
		if got := ParseFileName(enc); got != a {
			t.Fatalf("name %q parsed to %+v, re-encoded %q parsed to %+v", name, a, enc, got)
		}
		d := ParseDirName(name)
		if got := ParseDirName(d.SourceName()); got != d {
			t.Fatalf("dir %q parsed to %+v, re-encoded %q parsed to %+v", name, d, d.SourceName(), got)
		}
	})
}
