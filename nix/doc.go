// Package nix holds no Go code: the directory is the NixOS module, the
// home-manager module, the package and the VM test. Its tests check them
// with the nix installed here: every .nix file parses, the flake's outputs
// have the expected shape, the settings renderer produces a config that
// `hearth config check` accepts, the alias table and defaults match
// internal/units and internal/config, the package's vendorHash matches
// go.mod/go.sum, and — with the nixos-eval kit (the real nixpkgs lib and
// NixOS's systemd unit renderer, ../shared/nixos-eval or
// $HEARTH_NIXOS_EVAL) — the modules evaluate for a matrix of
// configurations (tests/eval), the same matrix the flake's
// checks.module-evaluation runs against the real nixpkgs, and
// docs/nixos-module.md is what the options generate.
package nix
