// Package record holds the types every stage of analyze shares: the
// canonical fields of a transaction, the columnar Batch that flows between
// ingest, classify and report, the outcome and namespace ids, money
// formatting, card-number masking, and the one positioned error type.
//
// It imports nothing from the rest of the module, so ingest, classify and
// report can each depend on it without depending on each other.
package record
