package textdiff

import "testing"

func TestStructuredByName(t *testing.T) {
	for p, want := range map[string]bool{
		"dot_config/app/settings.json":       true,
		"dot_config/starship.toml.tmpl":      true,
		"dot_config/x/config.YAML":           true,
		"dot_config/x/c.yml":                 true,
		"dot_config/x/app.ini":               true,
		"dot_bashrc":                         false,
		"dot_gitconfig":                      false,
		"dot_config/fish/config.fish":        false,
		"dot_zshrc.tmpl":                     false,
		"private_dot_ssh/config":             false,
		"dot_config/nvim/lua/plugins.lua":    false,
		"dot_local/share/notes/todo.txt":     false,
		"dot_config/tmux/tmux.conf":          false,
		"dot_config/Code/User/keybind.json5": true,
	} {
		if got := StructuredByName(p); got != want {
			t.Errorf("StructuredByName(%q) = %v, want %v", p, got, want)
		}
	}
}
