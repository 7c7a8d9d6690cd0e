// Package nix holds no Go code: the directory is the NixOS module, the
// package and the VM test. Its tests check them with the nix installed here
// (no nixpkgs, offline): every .nix file parses, the flake's outputs have the
// expected shape, the module's settings renderer produces a config that
// `hearth config check` accepts, the alias table matches internal/units, and
// the package's vendorHash matches go.mod/go.sum.
package nix
