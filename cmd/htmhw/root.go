package main

import (
	"github.com/spf13/cobra"
)

// newRootCmd returns the htmhw command with every subcommand. Errors are
// returned, not printed: main prints them on one line. A usage message is
// shown only for errors in the command line itself, not for errors that
// occur once the arguments are parsed.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "htmhw",
		Short:         "Run HTM regions of the htmhw golden model",
		Long:          "htmhw runs HTM (Hierarchical Temporal Memory) regions of the bit-exact golden model\non time series, checks model files and writes traces for comparing engines.",
		Version:       versionString(),
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			// Cobra checks required flags after this hook: check them
			// first, so that a missing one is a usage error.
			if err := cmd.ValidateRequiredFlags(); err != nil {
				return err
			}
			if err := cmd.ValidateFlagGroups(); err != nil {
				return err
			}
			// The command line is sound: any later error is a runtime
			// error, which a usage message would only bury.
			cmd.SilenceUsage = true
			return nil
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newRunCmd(), newTraceCmd(), newCompileCmd(), newImageCmd(), newSimCmd(), newVerifyCmd(), newHDLCmd(), newNABCmd(), newQuantCmd(), newModelCmd(), newEmulateCmd(), newExploreCmd(), newVersionCmd())
	root.AddCommand(newBenchCmd())
	return root
}
