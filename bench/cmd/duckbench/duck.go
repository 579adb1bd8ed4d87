package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// duckChildCmd is the hidden subcommand the parent re-executes, so that
// DuckDB runs in a process of its own and its peak RSS can be measured.
const duckChildCmd = "__duck"

// duckResult is what the child prints on stdout (one JSON line).
type duckResult struct {
	Version  string  `json:"version"`
	LoadMS   float64 `json:"load_ms"`  // code table into DuckDB
	QueryMS  float64 `json:"query_ms"` // both aggregates, written out
	Attempts int64   `json:"attempts"`
	Declines int64   `json:"declines"`
}

// duckChild runs the DuckDB side: args are the child's flags.
func duckChild(args []string) error {
	fs := flag.NewFlagSet(duckChildCmd, flag.ContinueOnError)
	file := fs.String("file", "", "input CSV or Parquet")
	codes := fs.String("codes", "", "code table CSV (namespace,code,cause,...)")
	out := fs.String("out", "", "directory for by_merchant.csv and by_terminal_model.csv")
	threads := fs.Int("threads", 2, "DuckDB threads")
	plan := fs.String("plan", "pregroup", "pregroup or naive")
	dedup := fs.String("dedup", dedupDistinct, "distinct, group or none (see querySQL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	res, err := runDuck(context.Background(), duckConfig{file: *file, codes: *codes, out: *out, threads: *threads, plan: *plan, dedup: *dedup})
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

type duckConfig struct {
	file, codes, out string
	threads          int
	plan             string // "pregroup": group first, then join the cause table; "naive": join every row
	dedup            string // dedupGroup, dedupDistinct or dedupNone
}

// codeRow is one row of the cause table.
type codeRow struct{ ns, code, cause string }

// readCodes reads analyze's code table: lines starting with # are
// comments, the header names namespace, code and cause. The first row for
// a (namespace, code) wins, as it does nowhere in analyze because the
// table has none twice; the check only guards the join against fan-out.
func readCodes(path string) ([]codeRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	idx := map[string]int{}
	for i, h := range head {
		idx[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"namespace", "code", "cause"} {
		if _, ok := idx[need]; !ok {
			return nil, fmt.Errorf("%s: no %q column in header %v", path, need, head)
		}
	}
	seen := map[[2]string]bool{}
	var out []codeRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(rec) <= max(idx["namespace"], idx["code"], idx["cause"]) {
			continue
		}
		c := codeRow{strings.TrimSpace(rec[idx["namespace"]]), strings.ToUpper(strings.TrimSpace(rec[idx["code"]])), strings.TrimSpace(rec[idx["cause"]])}
		k := [2]string{c.ns, c.code}
		if c.code == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New(path + ": no codes")
	}
	return out, nil
}

// sourceSQL is the table expression that reads the input. CSV columns are
// typed explicitly: sniffing would read resp_code "05" as a number.
func sourceSQL(file string) string {
	q := sqlString(file)
	if strings.HasSuffix(file, ".parquet") {
		return "read_parquet(" + q + ")"
	}
	cols := []string{}
	for _, c := range csvColumns {
		t := "VARCHAR"
		switch c {
		case "txn_time":
			t = "TIMESTAMP"
		case "amount":
			t = "DECIMAL(18,2)"
		}
		cols = append(cols, sqlString(c)+": "+sqlString(t))
	}
	return "read_csv(" + q + ", header = true, delim = ',', quote = '\"', escape = '\"', columns = {" + strings.Join(cols, ", ") + "})"
}

var csvColumns = []string{
	"txn_time", "txn_id", "merchant_id", "merchant_name", "mcc", "region",
	"terminal_id", "terminal_model", "terminal_firmware", "channel",
	"payment_method", "txn_type", "amount", "currency", "resp_code",
	"resp_subcode", "resp_msg", "pan",
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// nsExpr infers the namespace a normalized code is read in, mirroring
// pkg/classify: ACQ./ISP./AOP. and the Alipay gateway codes are alipay; an
// upper-case word is alipay for Alipay and Huabei payments, wechat
// otherwise; two characters are upi_qr for UnionPay QR and cup otherwise
// (cup falls back to iso8583 in the join); three digits are iso8583.
func nsExpr(code string) string {
	return fmt.Sprintf(`CASE
		WHEN %[1]s = '' THEN ''
		WHEN regexp_matches(%[1]s, '^(ACQ|ISP|AOP)\..') OR %[1]s IN ('10000','10003','20000','20001','40001','40002','40004','40006') THEN 'alipay'
		WHEN regexp_matches(%[1]s, '^[A-Z]{2}[A-Z0-9_]+$') THEN CASE WHEN pm IN ('huabei','alipay_balance') THEN 'alipay' ELSE 'wechat' END
		WHEN length(%[1]s) = 2 THEN CASE WHEN pm = 'unionpay_qr' THEN 'upi_qr' ELSE 'cup' END
		WHEN regexp_matches(%[1]s, '^[0-9]{3}$') THEN 'iso8583'
		ELSE '' END`, code)
}

// causeSQL maps the distinct (code, sub, pm) combinations of table combos
// onto causes: the sub-code decides first when it is in the table, then
// the code; a namespaced row beats a row without one, and cup/upi_qr fall
// back to iso8583.
func causeSQL() string {
	return `
norm AS (
	-- as ingest does: a lone digit lost its leading zero in a spreadsheet
	SELECT code AS raw_code, sub AS raw_sub, pm,
		CASE WHEN regexp_matches(code, '^[0-9]$') THEN '0' || code ELSE code END AS code,
		CASE WHEN regexp_matches(sub, '^[0-9]$') THEN '0' || sub ELSE sub END AS sub
	FROM combos
),
ns AS (
	SELECT raw_code, raw_sub, code, sub, pm, ` + nsExpr("code") + ` AS code_ns, ` + nsExpr("sub") + ` AS sub_ns0
	FROM norm
),
ns2 AS (
	SELECT *, CASE WHEN regexp_matches(sub, '^[A-Z]{2}[A-Z0-9_]+$') AND code_ns IN ('alipay','wechat') THEN code_ns ELSE sub_ns0 END AS sub_ns
	FROM ns
),
mapped AS (
	SELECT n.raw_code AS code, n.raw_sub AS sub, n.pm,
		CASE
			WHEN n.sub <> '' AND coalesce(s1.cause, s0.cause, s2.cause, s3.cause) IS NOT NULL THEN coalesce(s1.cause, s0.cause, s2.cause, s3.cause)
			WHEN n.code = '' THEN 'unknown'
			ELSE coalesce(c1.cause, c0.cause, c2.cause, c3.cause, 'unknown')
		END AS cause
	FROM ns2 n
	LEFT JOIN codes s1 ON n.sub <> '' AND s1.ns = n.sub_ns AND s1.code = n.sub
	LEFT JOIN codes s0 ON n.sub <> '' AND s0.ns = '' AND s0.code = n.sub
	LEFT JOIN codes s2 ON n.sub_ns IN ('cup','upi_qr') AND s2.ns = 'iso8583' AND s2.code = n.sub
	LEFT JOIN codes s3 ON n.sub_ns IN ('cup','upi_qr') AND s3.ns = '' AND s3.code = n.sub
	LEFT JOIN codes c1 ON c1.ns = n.code_ns AND c1.code = n.code
	LEFT JOIN codes c0 ON c0.ns = '' AND c0.code = n.code
	LEFT JOIN codes c2 ON n.code_ns IN ('cup','upi_qr') AND c2.ns = 'iso8583' AND c2.code = n.code
	LEFT JOIN codes c3 ON n.code_ns IN ('cup','upi_qr') AND c3.ns = '' AND c3.code = n.code
)`
}

// Dedup modes: how the DuckDB side counts a txn_id that appears twice.
const (
	dedupDistinct = "distinct" // count(DISTINCT txn_id) in the first aggregate
	dedupGroup    = "group"    // collapse the rows per txn_id first (GROUP BY txn_id)
	dedupNone     = "none"     // count every row
)

// querySQL builds the statement that leaves table joined(merchant_id,
// merchant_name, terminal_id, terminal_model, currency, cause, n, amt).
//
// analyze counts the first row of a txn_id. The rows the generator repeats
// are exact copies, so they fall in the same group and any one of them will
// do: count(DISTINCT txn_id) per group counts each transaction once (its
// amounts still include the copies; only counts are compared). Either way
// of deduplicating hashes every txn_id, which is most of DuckDB's time and
// memory here: on 5M generated rows (2 threads, 2026-11-22) the CSV query
// without dedup took 4.6 s and 369 MiB, with count(DISTINCT) 8.2 s and
// 1.3 GiB; GROUP BY txn_id first took 7.8 s and 2.0 GiB. Rows without a
// txn_id are not handled (the generator writes none).
func querySQL(cfg duckConfig) string {
	count := "count(*)"
	rows := `SELECT txn_id, merchant_id, merchant_name, terminal_id, terminal_model, currency, resp_code, resp_subcode, payment_method, amount
	FROM ` + sourceSQL(cfg.file) + `
	WHERE txn_type = 'purchase'`
	switch cfg.dedup {
	case dedupDistinct:
		count = "count(DISTINCT txn_id)"
	case dedupGroup:
		rows = `SELECT txn_id, any_value(merchant_id) AS merchant_id, any_value(merchant_name) AS merchant_name,
		any_value(terminal_id) AS terminal_id, any_value(terminal_model) AS terminal_model,
		any_value(currency) AS currency, any_value(resp_code) AS resp_code, any_value(resp_subcode) AS resp_subcode,
		any_value(payment_method) AS payment_method, any_value(amount) AS amount
	FROM ` + sourceSQL(cfg.file) + `
	WHERE txn_type = 'purchase'
	GROUP BY txn_id`
	}
	norm := `coalesce(NULLIF(currency, ''), 'CNY') AS currency,
		upper(trim(coalesce(resp_code, ''))) AS code,
		upper(trim(coalesce(resp_subcode, ''))) AS sub,
		coalesce(payment_method, '') AS pm`
	if cfg.plan == "naive" {
		// Every row goes through the mapping join, then one aggregate.
		return `CREATE TEMP TABLE joined AS
WITH src AS (` + rows + `),
rows AS (
	SELECT merchant_id, merchant_name, terminal_id, terminal_model, txn_id, amount, ` + norm + `
	FROM src
),
combos AS (SELECT DISTINCT code, sub, pm FROM rows),` + causeSQL() + `
SELECT merchant_id, any_value(merchant_name) AS merchant_name, terminal_id, terminal_model, currency, m.cause,
	` + count + ` AS n, sum(amount) AS amt
FROM rows r JOIN mapped m USING (code, sub, pm)
GROUP BY merchant_id, terminal_id, terminal_model, currency, m.cause`
	}
	// Group by the few columns the reports need and the code columns
	// first (a few hundred thousand groups out of millions of rows), then
	// map the distinct codes and join the small result.
	return `CREATE TEMP TABLE joined AS
WITH src AS (` + rows + `),
fine AS (
	SELECT merchant_id, any_value(merchant_name) AS merchant_name, terminal_id, terminal_model, ` + norm + `,
		` + count + ` AS n, sum(amount) AS amt
	FROM src
	GROUP BY merchant_id, terminal_id, terminal_model, currency, code, sub, pm
),
combos AS (SELECT DISTINCT code, sub, pm FROM fine),` + causeSQL() + `
SELECT f.merchant_id, f.merchant_name, f.terminal_id, f.terminal_model, f.currency, m.cause, f.n, f.amt
FROM fine f JOIN mapped m USING (code, sub, pm)`
}

const byMerchantSQL = `
WITH att AS (
	SELECT merchant_id, currency, sum(n) AS attempts FROM joined GROUP BY ALL
), names AS (
	SELECT merchant_id, arg_max(merchant_name, n) AS merchant_name FROM joined WHERE merchant_name IS NOT NULL GROUP BY ALL
)
SELECT j.merchant_id, coalesce(names.merchant_name, '') AS merchant_name, j.currency, j.cause,
	sum(j.n) AS declines, sum(j.amt) AS amount, att.attempts,
	round(sum(j.n) / att.attempts, 6) AS decline_rate
FROM joined j JOIN att USING (merchant_id, currency) LEFT JOIN names USING (merchant_id)
WHERE j.cause NOT IN ('approved', 'pending')
GROUP BY j.merchant_id, names.merchant_name, j.currency, j.cause, att.attempts
ORDER BY ALL`

const byModelSQL = `
WITH att AS (
	SELECT terminal_model, currency, sum(n) AS attempts FROM joined GROUP BY ALL
)
SELECT coalesce(j.terminal_model, '') AS terminal_model, j.currency, j.cause,
	sum(j.n) AS declines, sum(j.amt) AS amount, att.attempts,
	round(sum(j.n) / att.attempts, 6) AS decline_rate,
	count(DISTINCT j.terminal_id) AS terminals
FROM joined j JOIN att USING (terminal_model, currency)
WHERE j.cause NOT IN ('approved', 'pending')
GROUP BY j.terminal_model, j.currency, j.cause, att.attempts
ORDER BY ALL`

// runDuck loads the cause table, runs the query and writes the two
// tables as CSV into cfg.out.
func runDuck(ctx context.Context, cfg duckConfig) (*duckResult, error) {
	if cfg.plan != "pregroup" && cfg.plan != "naive" {
		return nil, fmt.Errorf("plan %q: expected pregroup or naive", cfg.plan)
	}
	if cfg.dedup != dedupGroup && cfg.dedup != dedupDistinct && cfg.dedup != dedupNone {
		return nil, fmt.Errorf("dedup %q: expected group, distinct or none", cfg.dedup)
	}
	codes, err := readCodes(cfg.codes)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // temp tables live in one connection
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	res := &duckResult{}
	if err := conn.QueryRowContext(ctx, "SELECT version()").Scan(&res.Version); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET threads = %d", cfg.threads)); err != nil {
		return nil, err
	}

	t0 := time.Now()
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE codes (ns VARCHAR, code VARCHAR, cause VARCHAR)"); err != nil {
		return nil, err
	}
	var vals []string
	for _, c := range codes {
		vals = append(vals, "("+sqlString(c.ns)+", "+sqlString(c.code)+", "+sqlString(c.cause)+")")
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO codes VALUES "+strings.Join(vals, ", ")); err != nil {
		return nil, err
	}
	res.LoadMS = ms(time.Since(t0))

	t1 := time.Now()
	if _, err := conn.ExecContext(ctx, querySQL(cfg)); err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return nil, err
	}
	for _, t := range []struct{ name, sql string }{{"by_merchant.csv", byMerchantSQL}, {"by_terminal_model.csv", byModelSQL}} {
		path := filepath.Join(cfg.out, t.name)
		if _, err := conn.ExecContext(ctx, "COPY ("+t.sql+") TO "+sqlString(path)+" (HEADER, DELIMITER ',')"); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	res.QueryMS = ms(time.Since(t1))
	err = conn.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (WHERE cause NOT IN ('approved','pending')), 0) FROM joined`).
		Scan(&res.Attempts, &res.Declines)
	if err != nil {
		return nil, err
	}
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
