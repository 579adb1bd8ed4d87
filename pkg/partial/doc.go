// Package partial writes the pre-aggregated state of one run (a "partial
// output") and merges any number of them into what one run over all their
// inputs gives, so that shards of a large input can run on many machines
// (xargs -P, a Kubernetes Indexed Job, Apache Beam) and be merged by
// `analyze merge` or by SQL.
//
// Everything stored is an exact count, an exact amount in minor units or
// a key that distinct counts are taken over, so the merge is exact: the
// reports of the merge are byte-identical to a single run's. The distinct
// terminal and merchant counts stay exact because the combos carry the ids
// themselves (a (terminal, merchant, model, firmware, currency) tuple per
// row of combos.parquet), not counts of them.
//
// A partial output is one directory:
//
//	partial.json        counters, provenance and the options that must agree
//	combos.parquet      one row per combo (see below)
//	by_<dims>.parquet   one per --by over a field outside the combos
//	timeseries.parquet  per bucket, when the run had --bucket
//	unmapped.parquet    the unclassified codes, with their first row
//	rejects.csv         file,line,row,column,reason,raw of every rejected row
//
// combos.parquet has the columns terminal_id, merchant_id, merchant_name,
// terminal_model, terminal_firmware, currency (strings), approved, pending,
// declines, then declines_<cause> and amount_<cause> for every cause of
// record.Causes in catalogue order (int64; amounts in minor units of the
// row's currency). by_<dims>.parquet has the --by fields, currency and the
// same counts. timeseries.parquet has bucket_start (timestamp, µs, UTC),
// bucket_seconds, attempts, declines and declines_<cause>. All columns are
// required; rows are sorted by their text columns, so one run's partial
// output is the same bytes every time.
//
// Writer stages the files in DIR/.tmp-partial-* and moves them in on
// Commit, partial.json last: a directory with partial.json holds a
// complete partial output, and a crash leaves none. Read refuses partial
// outputs whose --by, bucket, --tz, --from/--to or rules version differ,
// and two that list the same input (path and SHA-256), which would count
// its rows twice.
//
// The unclassified codes are exact as long as no shard has more than
// classify.MaxUnmappedKeys distinct ones: past that a shard folds messages
// into their code, as one run does past it over the whole input, and the
// two foldings can differ.
//
// Repeated txn_ids are dropped within each partial output only: storing
// every id to drop repeats across shards would cost more than the
// aggregates themselves. Split the input so that a transaction and its
// repeat land in the same shard, which splitting by export file does.
package partial
