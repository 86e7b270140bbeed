// Command kubectl-rollcall is the kubectl plugin of Rollcall: installed on
// the PATH it runs as "kubectl rollcall". It approves, denies and revokes
// claimed e-mail domains, shows a workspace's SCIM Tenant URL and token, and
// lists a group's members with their state.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/go-logr/logr"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/rollcall-dev/rollcall/internal/plugin"
)

func main() {
	if err := run(); err != nil {
		var code plugin.ExitCode
		if errors.As(err, &code) { // the answer is printed: only the code is left
			os.Exit(int(code))
		}
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// The plugin reports through its errors; the client library's log stays quiet.
	ctrllog.SetLogger(logr.Discard())
	return plugin.NewCommand(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}).ExecuteContext(ctx)
}
