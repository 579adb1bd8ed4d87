package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/payops/analyze/pkg/ingest"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

const inspectHelp = `analyze inspect: show how an export would be read

USAGE
  analyze inspect [flags] FILE...

For onboarding a new acquirer's export: prints the detected format,
encoding and delimiter, which column became which canonical field and which
were ignored, the value vocabularies found (channels, payment methods,
transaction types, currencies, codes), sample rows, and the rows that would
be rejected, from the first --rows rows of each file.

FLAGS
  Every INPUT flag of analyze run (--delimiter, --encoding, --columns, --tz,
  --amount-unit, --lenient-quotes, --terminals, --merchants), and
      --rows N     rows to look at per file (default 1000)
      --sample N   sample rows to print (default 5)

` + exitStatusHelp + `
`

func inspectCmd(ctx context.Context, args []string, env *Env) error {
	var o runOptions
	var rows, sample int
	fs := newFlagSet("inspect", inspectHelp, env)
	o.bindInput(fs)
	fs.IntVar(&rows, "rows", 1000, "")
	fs.IntVar(&sample, "sample", 5, "")
	if err := parseFlags(fs, args, env, inspectHelp); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("inspect: no FILE given (see analyze help inspect)")
	}
	inputs, err := ingest.Expand(fs.Args())
	if err != nil {
		return err
	}
	iopts, err := o.ingestOptions()
	if err != nil {
		return err
	}
	failed := 0
	for i, in := range inputs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := inspectFile(env.Stdout, in, i, &iopts, rows, sample); err != nil {
			fmt.Fprintf(env.Stdout, "  error: %s\n\n", record.MaskPANs(err.Error()))
			failed++
		}
	}
	if failed > 0 {
		return &exitErr{code: exitError, err: fmt.Errorf("%d of %d files cannot be read as they are", failed, len(inputs))}
	}
	return nil
}

func inspectFile(w io.Writer, in ingest.Input, index int, opts *ingest.Options, maxRows, sample int) error {
	fmt.Fprintf(w, "%s\n", in.Path)
	f, err := ingest.Open(in, index, opts)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(w, "  format    %s\n", f.Format)
	if f.Format != "parquet" {
		d := string(opts.Delimiter)
		if opts.Delimiter == 0 {
			d = ","
		} else if opts.Delimiter == '\t' {
			d = "tab"
		}
		fmt.Fprintf(w, "  encoding  %s\n  delimiter %s\n", f.Encoding, d)
	}
	fmt.Fprintf(w, "  columns\n")
	m := f.Mapping
	for c, h := range m.Headers {
		field := "(ignored)"
		for fl := record.Field(0); fl < record.NumFields; fl++ {
			if m.Index[fl] == c {
				field = "→ " + fl.String()
			}
		}
		if field == "(ignored)" && m.DateColumn() == c {
			field = "→ txn_date (joined into txn_time)"
		}
		fmt.Fprintf(w, "    %s%s  %s\n", h, strings.Repeat(" ", padWidth(m.Headers)-report.DisplayWidth(h)), field)
	}
	var missing []string
	for fl := record.Field(0); fl < record.NumFields; fl++ {
		if m.Index[fl] < 0 {
			missing = append(missing, fl.String())
		}
	}
	fmt.Fprintf(w, "  not present: %s\n", strings.Join(missing, ", "))

	vocab := map[record.Field]map[string]int{}
	unknown := map[record.Field]map[string]bool{} // values outside the vocabularies
	var rejects []*record.Error
	var shown [][]string
	read := 0
	for b, err := range f.Batches() {
		if err != nil {
			return err
		}
		if read >= maxRows {
			break
		}
		read += b.Read
		rejects = append(rejects, b.Rejects...)
		for i := 0; i < b.Len; i++ {
			for _, fl := range []record.Field{record.Channel, record.PaymentMethod, record.Currency, record.RespCode, record.RespSubcode, record.TerminalModel} {
				if b.Text[fl] == nil {
					continue
				}
				if vocab[fl] == nil {
					vocab[fl] = map[string]int{}
				}
				vocab[fl][strings.Clone(b.Text[fl][i])]++
			}
			if vocab[record.TxnType] == nil {
				vocab[record.TxnType] = map[string]int{}
			}
			vocab[record.TxnType][b.Kind[i].String()]++
			if len(shown) < sample {
				var row []string
				for fl := record.Field(0); fl < record.NumFields; fl++ {
					if b.Text[fl] != nil {
						row = append(row, fl.String()+"="+b.Text[fl][i])
					}
				}
				cur := "CNY"
				if b.Text[record.Currency] != nil {
					cur = b.Text[record.Currency][i]
				}
				row = append(row, "amount="+record.FormatMinor(b.Amount[i], record.CurrencyDigits(cur)))
				shown = append(shown, append([]string{fmt.Sprintf("line %d:", b.Line[i])}, row...))
			}
		}
		for fl, vals := range b.Misses {
			for v := range vals {
				if unknown[fl] == nil {
					unknown[fl] = map[string]bool{}
				}
				unknown[fl][v] = true
			}
		}
	}
	fmt.Fprintf(w, "  rows looked at: %d, rejected: %d\n", read, len(rejects))
	fmt.Fprintf(w, "  values\n")
	for _, fl := range []record.Field{record.Channel, record.PaymentMethod, record.TxnType, record.Currency, record.TerminalModel, record.RespCode, record.RespSubcode} {
		vals := vocab[fl]
		if len(vals) == 0 {
			continue
		}
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if vals[keys[i]] != vals[keys[j]] {
				return vals[keys[i]] > vals[keys[j]]
			}
			return keys[i] < keys[j]
		})
		var parts []string
		for i, k := range keys {
			if i == 12 {
				parts = append(parts, fmt.Sprintf("… %d more", len(keys)-12))
				break
			}
			label := k
			if unknown[fl][k] {
				label = "(unknown) " + k
			}
			parts = append(parts, fmt.Sprintf("%s (%d)", label, vals[k]))
		}
		fmt.Fprintf(w, "    %-18s %s\n", fl.String(), strings.Join(parts, ", "))
	}
	if len(shown) > 0 {
		fmt.Fprintf(w, "  sample rows\n")
		for _, r := range shown {
			fmt.Fprintf(w, "    %s\n", strings.Join(r, " "))
		}
	}
	if len(rejects) > 0 {
		fmt.Fprintf(w, "  rows that would be rejected\n")
		for i, e := range rejects {
			if i == 20 {
				fmt.Fprintf(w, "    … %d more\n", len(rejects)-20)
				break
			}
			fmt.Fprintf(w, "    %s\n", e.Error())
		}
	}
	fmt.Fprintln(w)
	return nil
}

func padWidth(headers []string) int {
	w := 0
	for _, h := range headers {
		w = max(w, report.DisplayWidth(h))
	}
	return w
}
