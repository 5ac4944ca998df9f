// `go-fleet preview|up|destroy [STACK]`: runs the fleet on a stack of this project (default
// `dev`) through Pulumi's Automation API, in the current directory (the project's). The
// program runs in this process, so no Go language host is needed: only the `pulumi` CLI
// and the provider plugin `pulumi-resource-pulumi-gpu` on PATH. The stack's settings are
// the project's (`pulumi config set ...` in this directory).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

var commands = map[string]func(context.Context, auto.Stack) error{
	"preview": func(ctx context.Context, stack auto.Stack) error {
		_, err := stack.Preview(ctx, optpreview.ProgressStreams(os.Stdout))
		return err
	},
	"up": func(ctx context.Context, stack auto.Stack) error {
		result, err := stack.Up(ctx, optup.ProgressStreams(os.Stdout))
		if err != nil {
			return err
		}
		for name, output := range result.Outputs {
			if output.Secret {
				fmt.Printf("%s: [secret]\n", name)
			} else {
				fmt.Printf("%s: %v\n", name, output.Value)
			}
		}
		return nil
	},
	"destroy": func(ctx context.Context, stack auto.Stack) error {
		_, err := stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stdout))
		return err
	},
}

func main() {
	command, stackName := "up", "dev"
	if len(os.Args) > 1 {
		command = os.Args[1]
	}
	if len(os.Args) > 2 {
		stackName = os.Args[2]
	}
	run, ok := commands[command]
	if !ok {
		fmt.Fprintln(os.Stderr, "usage: go-fleet preview|up|destroy [STACK]")
		os.Exit(2)
	}
	ctx := context.Background()
	stack, err := auto.UpsertStackInlineSource(ctx, stackName, "go-fleet", fleet, auto.WorkDir("."))
	if err == nil {
		err = run(ctx, stack)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
