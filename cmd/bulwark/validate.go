package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bulwark-dev/bulwark/filter/config"
)

// runValidate checks a configuration with the same parser as the plugin.
func runValidate(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("validate", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: bulwark validate FILE\n\nChecks a plugin configuration with the plugin's own validation; exits 0 when it is valid, 1 otherwise.")
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return 2
	}

	path := flags.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "bulwark validate: %v\n", err)
		return 1
	}

	if _, err := config.Parse(data); err != nil {
		var list *config.Errors
		if errors.As(err, &list) {
			fmt.Fprintf(stderr, "%s: %d error(s):\n", path, len(list.List))
		}
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}

	fmt.Fprintf(stdout, "%s: valid\n", path)
	return 0
}
