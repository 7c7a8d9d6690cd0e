package dotfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
)

// ConfigTemplate is a source's .chezmoi.<format>.tmpl, rendered.
type ConfigTemplate struct {
	Source  string // its path relative to the work tree
	Name    string // the config file it makes: chezmoi.<format>
	Content []byte
}

// RenderConfigTemplate renders the source root's config template with the
// init functions of p, as chezmoi init does; nil when there is none. The
// result is checked as a chezmoi config.
func (t *Templates) RenderConfigTemplate(p *InitPrompts) (*ConfigTemplate, error) {
	s := t.s
	if s.work == nil {
		return nil, nil
	}
	var found []string
	for _, ext := range chezmoicfg.Extensions {
		name := ".chezmoi." + ext + ".tmpl"
		if _, err := s.work.Stat(s.srcRel(name)); err == nil {
			found = append(found, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", s.srcRel(name), err)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("multiple config file templates: %s (keep one)", strings.Join(found, ", "))
	}
	src := s.srcRel(found[0])
	text, err := s.work.ReadFile(src, s.opts.maxFileSize())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	t.Funcs(p.FuncMap())
	out, err := t.Render(found[0], text)
	if err != nil {
		var exit *ExitError
		if errors.As(err, &exit) {
			return nil, exit
		}
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	name := strings.TrimSuffix(strings.TrimPrefix(found[0], "."), ".tmpl")
	if _, err := chezmoicfg.Parse(name, out); err != nil {
		return nil, fmt.Errorf("%s renders a config chezmoi would refuse: %w", src, err)
	}
	return &ConfigTemplate{Source: src, Name: name, Content: out}, nil
}
