# Pure helpers shared by the NixOS module and the Go tests: they use only
# builtins, so the tests can evaluate them without nixpkgs (offline).
let
  inherit (builtins)
    attrNames concatStringsSep concatMap filter isAttrs isList isBool isInt isFloat isString
    isNull match toJSON all listToAttrs;

  # Drop nulls (unset typed options) everywhere, so only what the user set
  # reaches the TOML and hearth's own defaults apply to the rest; and the
  # module system's own _module attribute, should a submodule carry it.
  dropNulls = v:
    if isAttrs v then
      listToAttrs (concatMap
        (n: if isNull v.${n} || n == "_module" then [ ] else [{ name = n; value = dropNulls v.${n}; }])
        (attrNames v))
    else if isList v then map dropNulls (filter (x: !(isNull x)) v)
    else v;

  isTable = v: isAttrs v;
  isTableArray = v: isList v && v != [ ] && all isAttrs v;
  # An empty list renders as nothing: it cannot tell an empty array of
  # tables from an empty array of values, and both mean hearth's default.
  isEmptyList = v: isList v && v == [ ];

  key = k: if match "[A-Za-z0-9_-]+" k != null then k else toJSON k;
  path = ks: concatStringsSep "." (map key ks);

  # TOML basic strings take the same escapes as JSON strings.
  value = v:
    if isString v then toJSON v
    else if isBool v then (if v then "true" else "false")
    else if isInt v then toString v
    else if isFloat v then toJSON v
    # A nix path (sops_file = ./secrets/host.yaml) is copied to the store,
    # like sops-nix does with sopsFile, and rendered as that store path.
    else if builtins.isPath v then toJSON "${v}"
    else if isList v then "[" + concatStringsSep ", " (map value v) + "]"
    else throw "hearth settings: cannot render ${builtins.typeOf v} as a TOML value";

  # Scalars and plain lists first, then sub-tables, then arrays of tables:
  # the order TOML needs so that keys land in the right table.
  table = prefix: t:
    let
      names = attrNames t;
      scalars = filter (n: !(isTable t.${n}) && !(isTableArray t.${n})) names;
      tables = filter (n: isTable t.${n}) names;
      arrays = filter (n: isTableArray t.${n}) names;
      scalarLines = concatMap (n: if isEmptyList t.${n} then [ ] else [ "${key n} = ${value t.${n}}" ]) scalars;
      tableText = n:
        let body = table (prefix ++ [ n ]) t.${n}; in
        "\n[${path (prefix ++ [ n ])}]\n" + body;
      arrayText = n: concatStringsSep "" (map
        (e: "\n[[${path (prefix ++ [ n ])}]]\n" + table (prefix ++ [ n ]) e)
        t.${n});
    in
    concatStringsSep "" (map (l: l + "\n") scalarLines)
    + concatStringsSep "" (map tableText tables)
    + concatStringsSep "" (map arrayText arrays);

  # Go's time.ParseDuration for the non-negative durations hearth's config
  # takes ("1h30m", "2.5s", "0"), in whole seconds rounded like
  # time.Duration.Round(time.Second). Units are listed longest first so
  # "ms" is never read as "m" then "s".
  unitNs = { ns = 1; us = 1000; "µs" = 1000; ms = 1000000; s = 1000000000; m = 60000000000; h = 3600000000000; };
  digits = d: if d == "" then 0 else builtins.fromJSON (builtins.head (match "0*([0-9]+)" d));
  pow10 = n: if n == 0 then 1 else 10 * pow10 (n - 1);
  durationNs = orig:
    let
      step = rest: acc:
        if rest == "" then acc
        else
          let m = match "([0-9]*)(\\.([0-9]*))?(ns|us|µs|ms|s|m|h)(.*)" rest; in
          if m == null || (builtins.elemAt m 0 == "" && (builtins.elemAt m 2 == null || builtins.elemAt m 2 == ""))
          then throw "hearth: ${toJSON orig} is not a Go duration (like 90s, 1h30m)"
          else
            let
              u = unitNs.${builtins.elemAt m 3};
              frac = let f = builtins.elemAt m 2; in if f == null then "" else builtins.substring 0 9 f;
            in
            step (builtins.elemAt m 4) (acc + digits (builtins.elemAt m 0) * u + digits frac * u / pow10 (builtins.stringLength frac));
    in
    if orig == "0" then 0 else step orig 0;
in
rec {
  inherit dropNulls;

  # goDurationRegex is what the module's duration options accept.
  goDurationRegex = "0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|ms|s|m|h))+";

  # durationSeconds turns a Go duration string into whole seconds.
  durationSeconds = d: (durationNs d + 500000000) / 1000000000;

  # toTOML renders an attribute set as a TOML document.
  toTOML = attrs: table [ ] attrs;

  # renderSettings is exactly what the module writes to /etc/hearth/config.toml.
  renderSettings = settings: toTOML (dropNulls settings);

  # The original setup's command names and the hearth commands they run
  # (internal/units.Aliases holds the same table; a Go test keeps them equal).
  aliases = {
    "chezmoi-sync" = [ "sync" ];
    "chezmoi-status" = [ "status" ];
    "chezmoi-show-conflicts" = [ "conflicts" ];
    "show-boot-status" = [ "boot" "status" ];
    "show-golden" = [ "golden" "show" ];
    "pin-golden" = [ "golden" "pin" ];
    "rollback-to-golden" = [ "golden" "rollback" ];
  };

  # Unit defaults, equal to internal/units' (checked by the same test).
  defaults = {
    onCalendar = "04:00";
    randomizedDelaySec = 1800;
    upgradeAlias = "auto-upgrade.service";
    syncTimeoutSec = 900;
    watchRestartSec = 15;
    watchStopTimeoutSec = 120;
    secretsTimeoutSec = 120;
  };

  # hearth's own defaults of the settings the units' deadlines derive from
  # (internal/config/defaults.go; the same test keeps them equal).
  settingDefaults = {
    build_timeout = "1h";
    confirm_timeout = "2m";
    activation_timeout = "10m";
    boot_timeout = "5m";
    sustain = "30s";
  };

  # The deadlines `hearth units` gives the upgrade and the boot check
  # (internal/cli/units.go): the config's timeouts plus room for the steps
  # around them. Arguments are the settings (nulls for hearth's defaults).
  upgradeTimeoutSec = system:
    let d = k: durationSeconds (if (system.${k} or null) != null then system.${k} else settingDefaults.${k}); in
    d "build_timeout" + d "confirm_timeout" + 2 * d "activation_timeout" + 15 * 60;
  bootCheckTimeoutSec = boot:
    let d = k: dk: durationSeconds (if (boot.${k} or null) != null then boot.${k} else settingDefaults.${dk}); in
    d "timeout" "boot_timeout" + d "sustain" "sustain" + 2 * 60;

  # grub.cfg text that counts a boot down in grubenv and boots fallback once
  # no tries are left; equal to internal/bootcount.GrubSnippet (a Go test
  # evaluates both).
  grubSnippet = maxTries: fallback:
    let
      q = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] s + "'";
      step = n:
        "  elif [ \"\${boot_counter}\" = \"${toString n}\" ]; then\n"
        + "    set boot_counter=${toString (n - 1)}\n"
        + "    save_env boot_counter\n";
      down = n: if n < 1 then "" else step n + down (n - 1);
    in
    ''
      # hearth: boot counting (boot_counter tries left while boot_success=0)
      load_env boot_counter boot_success
      if [ "''${boot_success}" = "0" -a -n "''${boot_counter}" ]; then
        if [ "''${boot_counter}" = "0" ]; then
          set default=${q fallback}
      ${down maxTries}  else
          set default=${q fallback}
        fi
      fi
    '';
}
