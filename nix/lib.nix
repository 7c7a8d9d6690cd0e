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
in
rec {
  inherit dropNulls;

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
  };
}
