package cli

import (
	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"
)

func newConfigCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect the configuration",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a config file and print the effective configuration",
		Long: `Validate a config file (FILE, else --config, $HEARTH_CONFIG or
/etc/hearth/config.toml) and print the effective configuration with every
default filled in. Problems are reported with file, line and key; exit 2.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				a.configFlag = args[0]
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(cfg)
			}
			a.logger().Info("config is valid", "file", cfg.File)
			return toml.NewEncoder(a.stdout()).Encode(cfg)
		},
	})
	return cmd
}
