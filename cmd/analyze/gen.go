package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/payops/analyze/pkg/samplegen"
)

const genHelp = `analyze gen: generate sample exports

USAGE
  analyze gen [flags]

Writes a synthetic but realistic decline export: Chinese merchants and
regions, real terminal models, CUP / Alipay / WeChat codes consistent with
the channel and payment method, duplicates, non-purchase rows, and a planted
incident (Huabei on Newland ME31 below firmware 2.4 in 广东 failing with 58
from 14:00 to 15:00). The same flags give the same bytes.

FLAGS
      --rows N        data rows (default 2000)
      --seed N        random seed (default 1)
      --format F      csv (default), csv-gbk, csv.gz or parquet
      --header H      canonical (default) or chinese
      --merchants N   merchants in the universe (default 200)
      --malformed N   bad rows to put in (CSV formats)
  -o, --out FILE      output file (default: standard output)

EXAMPLES
  analyze gen --rows 5000000 --format parquet -o day.parquet
  analyze gen --format csv-gbk --header chinese --malformed 5 -o gbk.csv
`

func genCmd(ctx context.Context, args []string, env *Env) error {
	var o samplegen.Options
	var out string
	fs := newFlagSet("gen", genHelp, env)
	fs.IntVar(&o.Rows, "rows", 2000, "")
	fs.Uint64Var(&o.Seed, "seed", 1, "")
	fs.StringVar(&o.Format, "format", "csv", "")
	fs.StringVar(&o.Header, "header", "canonical", "")
	fs.IntVar(&o.Merchants, "merchants", samplegen.DefaultMerchants, "")
	fs.IntVar(&o.Malformed, "malformed", 0, "")
	fs.StringVarP(&out, "out", "o", "", "")
	if err := parseFlags(fs, args, env, genHelp); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("gen: unexpected argument %q", fs.Arg(0))
	}
	if err := o.Validate(); err != nil {
		return usagef("gen: %v", err)
	}
	if out == "" || out == "-" {
		w := bufio.NewWriterSize(env.Stdout, 1<<20)
		if err := samplegen.Write(w, o); err != nil {
			return err
		}
		return w.Flush()
	}
	// Through a temporary file, so a failed run leaves nothing under the name.
	tmp, err := os.CreateTemp(filepath.Dir(out), ".gen-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := samplegen.Write(w, o); err != nil {
		tmp.Close()
		return fmt.Errorf("gen: %w", err)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("gen: writing %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("gen: writing %s: %w", out, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { // CreateTemp makes it 0600
		return err
	}
	return os.Rename(tmp.Name(), out)
}
