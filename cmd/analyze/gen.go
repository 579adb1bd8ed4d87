package main

import (
	"context"
)

const genHelp = `analyze gen: generate sample exports

USAGE
  analyze gen [flags]

(placeholder until pkg/samplegen lands)
`

func genCmd(ctx context.Context, args []string, env *Env) error {
	return usagef("gen: not yet available")
}
