package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "hearth",
		Short: "Keep a fleet of personal hosts in sync through git, with no central server",
		Long: `hearth keeps dotfiles, NixOS system generations and SOPS/age secrets of a
small fleet of hosts in sync through plain git remotes. Every host is equal.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.setupLogging()
			return nil
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	f := root.PersistentFlags()
	f.StringVar(&a.configFlag, "config", "", "config file (default $HEARTH_CONFIG, then /etc/hearth/config.toml)")
	f.BoolVar(&a.json, "json", false, "print machine-readable JSON on stdout")
	f.CountVarP(&a.verbose, "verbose", "v", "log more (repeat for debug)")
	f.StringVar(&a.ownerFD, ownerFlag, "", "")
	_ = f.MarkHidden(ownerFlag)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	root.AddCommand(
		newVersionCmd(a),
		newConfigCmd(a),
		newStatusCmd(a),
		newLockCmd(a),
		newSyncCmd(a),
		newWatchCmd(a),
		newApplyCmd(a),
		newDiffCmd(a),
		newConflictsCmd(a),
		newDemoCmd(a),
		newBootCmd(a),
		newGoldenCmd(a),
		newSecretsCmd(a),
		newUpgradeCmd(a),
		newUnitsCmd(a),
		newTrashCmd(a),
		newInitCmd(a),
		newDataCmd(a),
		newExecuteTemplateCmd(a),
		newManagedCmd(a),
		newUnmanagedCmd(a),
		newCatCmd(a),
		newUpdateCmd(a),
		newAddCmd(a),
		newReAddCmd(a),
		newForgetCmd(a),
		newEditCmd(a),
		newCdCmd(a),
		newMergeCmd(a),
		newDoctorCmd(a),
		newFleetCmd(a),
		newCompletionCmd(a),
		newManCmd(a),
	)
	return root
}

// isCobraUsage recognises cobra's own argument errors, which are bad usage.
func isCobraUsage(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "accepts ") ||
		strings.HasPrefix(s, "requires at least") || strings.HasPrefix(s, "invalid argument")
}
