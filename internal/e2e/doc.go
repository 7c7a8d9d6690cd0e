// Package e2e runs hearth's units on real systemd machines: a Debian 12 root
// file system booted with systemd-nspawn, hearth's units installed with
// `hearth units`, real reboots. The tests live in the _test files; they skip
// where nspawn cannot run (not root, programs missing) and fail instead under
// HEARTH_TEST_REQUIRE_ALL=1.
package e2e
