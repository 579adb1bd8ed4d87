package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

const rulesHelp = `analyze rules: list, check and explain the classification rules

USAGE
  analyze rules list [flags] [--lang zh]
  analyze rules check [flags] FILE...
  analyze rules explain [flags] --code X [row flags]
  analyze rules codes [flags]

list prints the cause catalogue (who acts, retry class, remediation) and
how many codes, rules, keywords and terminal facts are active.

check validates rules files (.toml rules language, or .csv code tables) as
they would be layered over the active rules: syntax, unknown keys and
causes, bad conditions, duplicate ids, and rules that can never match
because an earlier rule matches every row they match. Every problem is
printed as FILE:LINE: message.

explain classifies one row and shows which rule or code row decided, where
it is written, and why each condition matched.

codes prints the active code tables as a namespace,code,cause CSV, without
the conditional rules: what a plain join on (namespace, code) gives. With
--no-default-rules --rules FILE, run then classifies by code alone.

RULES FLAGS (list, check, explain; as for analyze run)
      --rules FILE           a rules file, .toml or .csv (repeatable, later wins)
      --capabilities FILE    a terminal capability table, .toml (repeatable)
      --acquirer ID          an acquirer profile (e.g. cn_app, cn_bank)
      --no-default-rules     drop the embedded code tables and rules

LIST FLAGS
      --lang L               en (default) or zh

ROW FLAGS (explain)
      --code X               resp_code (e.g. 58, 40004, FAIL)
      --subcode X            resp_subcode (e.g. ACQ.PAYMENT_FAIL, NOTENOUGH)
      --channel C            card_swipe, card_chip, contactless, qr_scan or qr_present
      --payment-method P     huabei, alipay_balance, wechat, unionpay_qr, credit_card or debit_card
      --model M              terminal model (e.g. "Newland ME31")
      --firmware V           terminal firmware (e.g. 2.3.1)
      --mcc N                merchant category code
      --region R             region as the export writes it (e.g. 广东)
      --msg TEXT             resp_msg

EXAMPLES
  analyze rules list --lang zh
  analyze rules check my_rules.toml
  analyze rules explain --code 58 --channel qr_scan --payment-method huabei \
      --model "Newland ME31" --firmware 2.3.1 --capabilities fleet.toml
  analyze rules explain --msg "支付失败，花呗额度不足" --code 40004 --subcode ACQ.PAYMENT_FAIL

EXIT STATUS
  0    ok
  1    rules check found problems in a file
  2    usage: bad flags, an unreadable or invalid --rules or --capabilities file
`

// ruleFlags are the flags that select the active rules.
type ruleFlags struct {
	rules, capabilities []string
	acquirer            string
	noDefault           bool
}

func (r *ruleFlags) bind(fs *pflag.FlagSet) {
	fs.StringArrayVar(&r.rules, "rules", nil, "")
	fs.StringArrayVar(&r.capabilities, "capabilities", nil, "")
	fs.StringVar(&r.acquirer, "acquirer", "", "")
	fs.BoolVar(&r.noDefault, "no-default-rules", false, "")
}

func (r *ruleFlags) options() classify.Options {
	return classify.Options{RulesFiles: r.rules, CapabilitiesFiles: r.capabilities, Acquirer: r.acquirer, NoDefaultRules: r.noDefault}
}

func rulesCmd(ctx context.Context, args []string, env *Env) error {
	if len(args) == 0 {
		return usagef("rules: expected list, check or explain (see analyze help rules)")
	}
	switch args[0] {
	case "list":
		return rulesList(args[1:], env)
	case "check":
		return rulesCheck(args[1:], env)
	case "explain":
		return rulesExplain(args[1:], env)
	case "codes":
		return rulesCodes(args[1:], env)
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, rulesHelp)
		return nil
	}
	return usagef("rules: unknown subcommand %q: expected list, check, explain or codes", args[0])
}

// rulesCodes prints the active code tables as a namespace,code,cause CSV
// code table: what a plain (namespace, code) join gives, without the
// conditional rules, for tools that can only join (the DuckDB benchmark
// loads it). Read back with --no-default-rules --rules FILE it classifies
// by code alone.
func rulesCodes(args []string, env *Env) error {
	var rf ruleFlags
	fs := newFlagSet("rules codes", rulesHelp, env)
	rf.bind(fs)
	if err := parseFlags(fs, args, env, rulesHelp); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("rules codes: unexpected argument %q", fs.Arg(0))
	}
	c, err := classify.New(rf.options())
	if err != nil {
		return err
	}
	w := csv.NewWriter(env.Stdout)
	w.Write([]string{"namespace", "code", "cause"})
	for _, r := range c.CodeTable() {
		w.Write([]string{r.Namespace.String(), r.Code, r.Outcome.String()})
	}
	w.Flush()
	return w.Error()
}

func rulesList(args []string, env *Env) error {
	var rf ruleFlags
	var lang string
	fs := newFlagSet("rules list", rulesHelp, env)
	rf.bind(fs)
	fs.StringVar(&lang, "lang", "en", "")
	if err := parseFlags(fs, args, env, rulesHelp); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("rules list: unexpected argument %q", fs.Arg(0))
	}
	if lang != "en" && lang != "zh" {
		return usagef("rules list: --lang %q: expected en or zh", lang)
	}
	c, err := classify.New(rf.options())
	if err != nil {
		return err
	}
	writeCatalogue(env.Stdout, c, lang)
	return nil
}

func writeCatalogue(w io.Writer, c *classify.Classifier, lang string) {
	zh := lang == "zh"
	head := []string{"cause", "label", "who acts", "retry", "visa", "what to do"}
	if zh {
		head = []string{"原因", "名称", "处理方", "重试", "Visa", "处理建议"}
	}
	rows := [][]string{head}
	for _, ci := range c.Catalogue() {
		var visa []string
		for _, v := range ci.VisaCategories {
			visa = append(visa, fmt.Sprint(v))
		}
		rows = append(rows, []string{ci.ID.String(), ci.Label(lang), ci.WhoActsText(), ci.RetryText(), strings.Join(visa, ","), ci.Remedy(lang)})
	}
	writeAligned(w, rows)
	n := c.Counts()
	fmt.Fprintln(w)
	var ns []string
	for _, k := range []string{"iso8583", "cup", "upi_qr", "alipay", "wechat", "any"} {
		ns = append(ns, fmt.Sprintf("%s %d", k, n.Codes[k]))
	}
	fmt.Fprintf(w, "codes: %s\n", strings.Join(ns, ", "))
	fmt.Fprintf(w, "rules: %d (message keywords: %d), lists: %d, terminal facts: %d\n", n.Rules, n.Keywords, n.Lists, n.Terminals)
	if a := c.Acquirer(); a != "" {
		fmt.Fprintf(w, "acquirer profile: %s\n", a)
	}
	fmt.Fprintf(w, "rules version: %s\n", c.Version())
}

// writeAligned prints rows as columns padded by display width (Chinese
// characters are two columns wide); the last column is not padded.
func writeAligned(w io.Writer, rows [][]string) {
	widths := map[int]int{}
	for _, r := range rows {
		for i, cell := range r[:len(r)-1] {
			widths[i] = max(widths[i], report.DisplayWidth(cell))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, cell := range r {
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-report.DisplayWidth(cell)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func rulesCheck(args []string, env *Env) error {
	var rf ruleFlags
	fs := newFlagSet("rules check", rulesHelp, env)
	rf.bind(fs)
	if err := parseFlags(fs, args, env, rulesHelp); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("rules check: no FILE given (see analyze help rules)")
	}
	// The active rules must load, or no file can be checked against them.
	if _, err := classify.New(rf.options()); err != nil {
		return err
	}
	bad := 0
	for _, file := range fs.Args() {
		errs, c := classify.CheckFile(file, rf.options())
		for _, e := range errs {
			fmt.Fprintln(env.Stdout, record.MaskPANs(e.Error()))
		}
		if len(errs) > 0 {
			bad++
			continue
		}
		n := c.Counts()
		fmt.Fprintf(env.Stdout, "%s: ok (with the active rules: %d rules, %d terminal facts)\n", file, n.Rules, n.Terminals)
	}
	if bad > 0 {
		return &exitErr{code: exitError, err: fmt.Errorf("rules check: %d of %d files have problems", bad, fs.NArg())}
	}
	return nil
}

func rulesExplain(args []string, env *Env) error {
	var rf ruleFlags
	var row classify.Row
	fs := newFlagSet("rules explain", rulesHelp, env)
	rf.bind(fs)
	fs.StringVar(&row.Code, "code", "", "")
	fs.StringVar(&row.Subcode, "subcode", "", "")
	fs.StringVar(&row.Channel, "channel", "", "")
	fs.StringVar(&row.PaymentMethod, "payment-method", "", "")
	fs.StringVar(&row.TerminalModel, "model", "", "")
	fs.StringVar(&row.TerminalFirmware, "firmware", "", "")
	fs.StringVar(&row.MCC, "mcc", "", "")
	fs.StringVar(&row.Region, "region", "", "")
	fs.StringVar(&row.Msg, "msg", "", "")
	if err := parseFlags(fs, args, env, rulesHelp); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("rules explain: unexpected argument %q", fs.Arg(0))
	}
	if row.Code == "" && row.Subcode == "" && row.Msg == "" {
		return usagef("rules explain: give at least --code, --subcode or --msg")
	}
	if row.Channel != "" && !slices.Contains(classify.Channels(), row.Channel) {
		return usagef("rules explain: --channel %q: expected one of %s", row.Channel, strings.Join(classify.Channels(), ", "))
	}
	if row.PaymentMethod != "" && !slices.Contains(classify.PaymentMethods(), row.PaymentMethod) {
		return usagef("rules explain: --payment-method %q: expected one of %s", row.PaymentMethod, strings.Join(classify.PaymentMethods(), ", "))
	}
	c, err := classify.New(rf.options())
	if err != nil {
		return err
	}
	e := c.Explain(row)
	for _, l := range e.Lines() {
		fmt.Fprintln(env.Stdout, l)
	}
	ns := e.Namespace.String()
	if ns == "" {
		ns = "none"
	}
	fmt.Fprintf(env.Stdout, "  namespace: %s; terminal capability: %s", ns, e.Capability)
	if e.CapabilityWhy != "" {
		fmt.Fprintf(env.Stdout, " (%s)", e.CapabilityWhy)
	}
	fmt.Fprintln(env.Stdout)
	if e.Outcome.IsDecline() {
		ci := c.Cause(e.Outcome)
		fmt.Fprintf(env.Stdout, "  %s: who acts %s, retry %s; %s\n", ci.LabelEN, ci.WhoActsText(), ci.RetryText(), ci.RemedyEN)
	}
	return nil
}
