package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/payops/analyze/pkg/record"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit statuses. When several apply, the first listed wins.
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitPartial   = 3 // finished, but rejects over the limit or files skipped
	exitAlert     = 4 // finished, reports written, and an --alert fired
	exitInterrupt = 130
	exitTerm      = 143
)

const exitStatusHelp = `EXIT STATUS
  0    ok
  1    error: an input could not be read (unreadable, empty, not CSV or
       Parquet, truncated gzip, corrupt Parquet, missing required column,
       undecodable encoding) or an output could not be written; no reports
  2    usage: bad flags, an input that matches no file, a bad --rules,
       --columns, --terminals or --merchants file
  3    finished, reports written, but rows_rejected / rows_read exceeded
       --max-reject-rate or files were skipped (--skip-bad-files)
  4    finished, reports written, and an --alert fired (alerts.json)
  130  interrupted (SIGINT); 143 terminated (SIGTERM): cancelled cleanly,
       no partial outputs
  When several apply, the first listed wins.`

// Env is the process environment a command sees; tests supply their own.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Now            func() time.Time // nil means time.Now
	Signal         func() os.Signal // the signal that cancelled the context, if any
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// exitErr carries an exit status out of a command.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string { return e.err.Error() }
func (e *exitErr) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &exitErr{code: exitUsage, err: fmt.Errorf(format, args...)}
}

const mainHelp = `analyze: find out why payments are declined, from acquirers' exports

USAGE
  analyze run [flags] INPUT...     classify declines and write breakdowns
  analyze spike [flags] INPUT...   find what changed, where and since when
  analyze inspect [flags] FILE...  show how an export would be read
  analyze merge [flags] DIR...     merge partial outputs of shards into one report set
  analyze gen [flags]              generate sample exports
  analyze version                  print the version
  analyze help [COMMAND]           this text, or a command's

INPUT is a file (.csv, .csv.gz, .parquet), a directory (every such file in
it, sorted), a glob, or - for standard input.

` + exitStatusHelp + `
`

type command struct {
	name string
	run  func(ctx context.Context, args []string, env *Env) error
	help string
}

func commands() []command {
	return []command{
		{"run", runCmd, runHelp},
		{"spike", spikeCmd, spikeHelp},
		{"inspect", inspectCmd, inspectHelp},
		{"merge", mergeCmd, mergeHelp},
		{"gen", genCmd, genHelp},
		{"rules", rulesCmd, rulesHelp},
	}
}

// Main runs one command line and returns the exit status.
func Main(ctx context.Context, args []string, env *Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, mainHelp)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "--help":
		if len(rest) > 0 {
			for _, c := range commands() {
				if c.name == rest[0] {
					fmt.Fprint(env.Stdout, c.help)
					return exitOK
				}
			}
		}
		fmt.Fprint(env.Stdout, mainHelp)
		return exitOK
	case "version", "--version":
		fmt.Fprintf(env.Stdout, "analyze %s\n", version)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return exitCode(ctx, c.run(ctx, rest, env), env)
		}
	}
	fmt.Fprintf(env.Stderr, "analyze: unknown command %q\n\n%s", name, mainHelp)
	return exitUsage
}

// exitCode prints err once, with the program name, and maps it to a status.
func exitCode(ctx context.Context, err error, env *Env) int {
	if err == nil {
		return exitOK
	}
	var ee *exitErr
	code := exitError
	if errors.As(err, &ee) {
		code = ee.code
	} else {
		switch record.KindOf(err) {
		case record.KindUsage, record.KindNoInput:
			code = exitUsage
		}
	}
	if ctx.Err() != nil && code != exitUsage && (errors.Is(err, context.Canceled) || errors.Is(err, ctx.Err())) {
		code = exitInterrupt
		if env.Signal != nil {
			if s := env.Signal(); s != nil {
				code = exitCodeForSignal(s)
			}
		}
		fmt.Fprintln(env.Stderr, "analyze: cancelled; no outputs were written")
		return code
	}
	if ee == nil || ee.err != errSilent {
		fmt.Fprintf(env.Stderr, "analyze: %s\n", strings.TrimSpace(record.MaskPANs(err.Error())))
	}
	return code
}

// errSilent ends a command with a status whose reason was already printed.
var errSilent = errors.New("")

func exitCodeForSignal(s os.Signal) int {
	if s == syscall.SIGTERM {
		return exitTerm
	}
	return exitInterrupt
}

// newLogger writes machine-readable (json) or plain (text) logs to stderr.
func newLogger(w io.Writer, format string, quiet bool) (*slog.Logger, error) {
	level := slog.LevelInfo
	if quiet {
		level = slog.LevelWarn
	}
	o := &slog.HandlerOptions{Level: level}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, usagef("--log-format %q: expected text or json", format)
}
