package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/model"
)

// version is the htmhw version, set at build time with
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/htmhw
//
// When it is left at "dev", the module version or VCS revision recorded in
// the binary is shown instead, if there is one.
var version = "dev"

// versionString returns the one-line version report of the binary.
func versionString() string {
	return fmt.Sprintf("htmhw %s (%s, snapshot format v%d)", buildVersion(), runtime.Version(), model.SnapshotVersion)
}

// buildVersion returns version, or what the build information knows when
// version was not set.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return version
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "dev-" + rev
}

// newVersionCmd returns the version command.
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of htmhw",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), versionString())
			return err
		},
	}
}
