// Package analyzebeam runs analyze's classification and aggregation on
// Apache Beam, for inputs too large for one machine.
//
//	globs ─▶ fileio.MatchAll (Beam's file systems: local, gs://, s3://)
//	      ─▶ Reshuffle (spread the files over the workers)
//	      ─▶ processFn: per file, a local copy, pkg/pipeline over it (ingest,
//	         classify, report: the code `analyze run` runs, unchanged), and
//	         its partial output (pkg/partial) written under the output root
//	      ─▶ the partial outputs' paths, for `analyze merge`
//
// Whole files go to pkg/ingest: Beam's textio splits files by byte
// ranges, which breaks encoding detection, header mapping and file:line,
// and its parquetio decodes into one fixed struct. Each file is
// aggregated completely inside one call, so the state that crosses the
// shuffle is one partial output per file, not one element per row:
// nothing is left for CombinePerKey to do.
//
// Beam serializes a DoFn's exported fields only, so the options travel as
// JSON (Config) in processFn.Config, and the classifier and ingest options
// are rebuilt in Setup.
package analyzebeam
