// Package ingest opens acquirers' exports (CSV, gzip CSV, Parquet), detects
// their format and encoding, maps their headers onto the canonical fields,
// and turns them into columnar record.Batch values.
//
// A File is read by one goroutine, which hashes its bytes (SHA-256 for
// provenance, in the same pass) and cuts it into Parts: runs of whole CSV
// records, found with quote parity so no record is split, or Parquet row
// groups. Parts decode on any goroutine, in any order, into batches that
// carry their file and line numbers, so every reject can still say
// file:line:column. Row faults (a ragged row, a bad amount or time, an
// empty merchant id, bytes that are not valid in the file's encoding)
// become rejects in the batch; file faults (unreadable, empty, binary,
// truncated gzip, malformed quoting, a missing required column) are errors
// that stop the file.
//
// GBK exports are split on their raw bytes, since ',', '"', CR and LF never
// occur inside a GBK character; only fields that are not ASCII are decoded.
package ingest
