// Package report turns classified batches into the breakdowns of a run and
// writes them: CSV, JSON, Parquet, summary.json, a text report for the
// terminal, and the reports people open: a self-contained report.html
// (SVG charts made here) and a streamed report.xlsx, in English or
// Chinese. It also counts time-bucketed cubes (Cube) for the time series,
// the history store and spike investigations.
//
// # Aggregation
//
// Each worker goroutine owns an Aggregator and gives it batches with Add;
// the aggregators are combined with Merge at the end. Everything kept is an
// exact count or an exact set, so the output is byte-identical however the
// rows were spread over aggregators and in whatever order they were merged.
//
// Add keeps one counter record per distinct "combo" (terminal_id,
// merchant_id, merchant_name, terminal_model, terminal_firmware, currency),
// found through an open-addressing index on a hash of the encoded tuple and
// confirmed by comparing the whole tuple (a hash collision never merges two
// tuples). A terminal rarely changes merchant, model or firmware, so there
// are about as many combos as terminals. Tables and Totals roll the combos
// up into every built-in breakdown, and the distinct merchant and terminal
// counts fall out of that roll-up exactly. A --by breakdown over those five
// fields costs nothing per row; one over any other field (region, mcc,
// payment_method, ...) keeps its own groups, interning its values per row.
// Add allocates nothing per row once its tables have grown; the strings it
// keeps are copies, since batch strings may point into a per-batch arena.
//
// Rows marked Dup are skipped. Rows that are not purchases are counted by
// kind (void, refund, reversal, other) and skipped. Every purchase is an
// attempt; attempts = approved + pending + declines. Amounts summed are the
// declined transactions' amounts, in minor units, per currency: amounts of
// different currencies are never added. A missing currency column or an
// empty currency reads as CNY; any other missing text column reads as "".
// An outcome outside the catalogue counts as unknown.
//
// # Breakdowns
//
// Tables returns them in this order, with these columns:
//
//	by_merchant        merchant_id, merchant_name, currency, cause, declines, amount, attempts, decline_rate
//	by_terminal_model  terminal_model, currency, cause, declines, amount, attempts, decline_rate, terminals
//	by_model_firmware  terminal_model, terminal_firmware, currency, cause, declines, amount, attempts, decline_rate, terminals
//	merchants          merchant_id, merchant_name, attempts, approved, pending, declines, decline_rate, top_cause
//	terminal_models    terminal_model, attempts, approved, pending, declines, decline_rate, top_cause, terminals
//	by_cause           cause, declines, amount, share, merchants, terminals, currency
//	by_<d1>_<d2>...    d1, d2, ..., currency, cause, declines, amount, attempts, decline_rate   (one per --by, in option order)
//
// The by_* tables with a cause column have one row per (key, currency,
// cause) with declines > 0; attempts and decline_rate there are the key's
// in that currency. merchants and terminal_models count across currencies
// (they carry no amounts). Rows are sorted bytewise by the text columns in
// column order. The tables with a row per group are lazy (Table.Len, Row,
// All): a row's text is made when a writer reads it, from the roll-up, so
// a million merchants' tables are never held as text; the writers, and the
// wrappers that add columns (WithCauseLabels, AppendColumns), read rows one
// at a time.
//
//   - merchant_name: the merchant's most frequent non-empty name, ties to
//     the smallest bytewise; "" when none was seen.
//   - top_cause: the cause with most declines, ties to the smallest id
//     bytewise; "" when the key has no declines.
//   - terminals in by_terminal_model and by_model_firmware: distinct
//     non-empty terminal ids with a decline of that cause, model (and
//     firmware) and currency; in terminal_models: distinct non-empty terminal
//     ids seen in the model's attempts. Exact: counted from the combos, never estimated.
//   - by_cause has a currency column (appended last), which the original contract did not,
//     because amounts are never summed across currencies. share is the
//     row's declines over all declines of the run (all currencies), so the
//     shares of all rows add up to 1 (up to rounding). merchants and
//     terminals are the distinct non-empty ids with a decline of that cause
//     in that currency.
//   - decline_rate and share are decimals with 6 places, rounded half up,
//     computed exactly with integers (FormatRate); amounts are exact
//     decimals with the currency's minor digits (record.FormatMinor).
//
// # Files
//
// CSV: RFC 4180 via encoding/csv, a header row, \n line endings, an
// optional UTF-8 BOM. JSON: one array of objects, one per line, keys in
// column order; integers, amounts and rates are JSON numbers written from
// their exact decimal text. Parquet (snappy, one row group, all columns
// required): text columns are strings, integer columns int64, rate columns
// float64 (the only floats written), and amount columns are strings holding
// the exact decimal ("1234.50") — one amount column can hold currencies with
// different minor digits, so no single decimal128 scale fits, and a string
// keeps the same value as CSV and JSON; cast it with the row's currency in
// mind, e.g. CAST(amount AS DECIMAL(18,3)).
//
// summary.json (always written) has, in this order: schema_version (1),
// version, rules_version, generated_at, command, rows_read,
// rows_classified, rows_rejected, rows_filtered, duplicates, non_purchase
// {void, refund, reversal, other: count}, attempts, approved, pending,
// declines, decline_rate (null when there were no attempts, else a number
// with 6 places), merchants (distinct merchant ids with an attempt), causes,
// inputs [{path, size, sha256, rows, error}], unknown_values {field: {value:
// count}}. causes has one entry per cause with declines, always in the same
// shape whatever the number of currencies:
//
//	"causes": {"network": {"declines": 3, "amounts": {"CNY": "12.50", "HKD": "3.00"}}}
//
// WriteText prints the totals, the row reconciliation, the causes and the
// top merchants and terminal models for a terminal, aligned by display
// width (DisplayWidth: East Asian Wide and Fullwidth characters take two
// columns), an absent name as "-", control characters as "?".
//
// # Time buckets
//
// A Cube counts attempts, declines and declines per cause per (bucket,
// leaf), a leaf being one combination of values of its dims; buckets start
// at local midnight in the cube's zone and divide the day. Cubes merge
// exactly like aggregators. TimeseriesTable turns one into timeseries.*:
// per bucket attempts, declines, decline_rate, declines_<cause> and
// share_<cause> (cause declines / attempts) for every cause.
//
// # Reports people open
//
// WriteHTML and WriteXLSX take a Document: the Summary, the Tables, the
// cause catalogue as CauseInfo (this package cannot import classify, so
// the caller passes labels and remedies in the report's language), and
// optionally the time series, the unmapped codes and spike findings.
// report.html is self-contained (inline CSS and SVG, a few lines of
// script to sort tables), deterministic, and prints on A4. report.xlsx is
// written with excelize's StreamWriter, one sheet per breakdown with typed
// cells, frozen header, autofilter and widths by display width, a
// breakdown past a sheet's row limit continuing on "name (2)", and its zip
// entries rewritten in a fixed order without timestamps so the same input
// gives the same bytes. Labels (ParseLang, Label, ColumnLabel, TableTitle)
// exist in en and zh for every fixed text; WithCauseLabels appends
// cause_label columns to the machine formats.
//
// # Partial state
//
// An Aggregator's whole state (combos with their per-cause declines and
// amounts, the groups of --by entries over fields outside the combos, the
// non-purchase counts) can be exported and imported (partial.go), so the
// aggregates of shards run anywhere merge into the same tables one run
// would give; package partial stores them as Parquet.
//
// # Output sets
//
// OutputSet stages files in dir/.tmp-*/ and Commit moves them into dir:
// the old summary.json is removed first, the other files are renamed in,
// the files of an earlier run that this set lacks are removed (only names
// this tool writes: summary.json, rejects.csv, unmapped.csv, alerts.json,
// report.html, report.xlsx, and <table>.{csv,json,parquet} where table is
// a built-in name, timeseries, spike, or by_ and canonical field names),
// and summary.json is renamed in last. So summary.json only ever
// sits next to a complete set, with no stale breakdowns beside it.
package report
