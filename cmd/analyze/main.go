// Command analyze maps declined card and QR payments from acquirers'
// exports onto documented cause categories and reports per-merchant and
// per-terminal-model breakdowns. See README.md, or run `analyze help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// main only turns signals into cancellation and the result into an exit
// status; everything else happens in Main, which tests call in-process.
func main() {
	ctx, cancel := context.WithCancel(context.Background())
	var got atomic.Value
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		got.Store(s)
		cancel()
		// a second signal kills at once
		<-sigs
		os.Exit(exitCodeForSignal(s))
	}()
	code := Main(ctx, os.Args[1:], &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Signal: func() os.Signal {
		s, _ := got.Load().(os.Signal)
		return s
	}})
	os.Exit(code)
}
