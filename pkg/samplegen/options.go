package samplegen

import (
	"errors"
	"fmt"
	"time"
)

// Formats and header variants accepted by Options.
const (
	FormatCSV     = "csv"
	FormatCSVGBK  = "csv-gbk"
	FormatCSVGzip = "csv.gz"
	FormatParquet = "parquet"

	HeaderCanonical = "canonical"
	HeaderChinese   = "chinese"
)

// Limits checked by Validate.
const (
	MaxMerchants = 2000000 // memory benchmarks need a million distinct merchants
	MaxSpan      = 366 * 24 * time.Hour
)

// DefaultMerchants is used when Options.Merchants is 0.
const DefaultMerchants = 200

// DefaultStart is 2026-11-21 00:00 in Asia/Shanghai (UTC+8 all year), used
// when Options.Start is the zero time. The fixed zone keeps the default
// independent of the system's tz database.
var DefaultStart = time.Date(2026, 11, 21, 0, 0, 0, 0, time.FixedZone("Asia/Shanghai", 8*3600))

// Options say what to generate. The zero value is valid: no data rows (a
// header only), seed 0, DefaultMerchants merchants, one day from
// DefaultStart, canonical CSV in UTF-8, no malformed rows.
type Options struct {
	// Rows is the number of data rows written, counting duplicates,
	// retries and malformed rows; the header is not counted.
	Rows int
	// Seed selects the output; the same Options give the same bytes.
	Seed uint64
	// Merchants in the universe; 0 means DefaultMerchants.
	Merchants int
	// Start of the first transaction; zero means DefaultStart. Its zone
	// is the zone of the written local times and of the incident hour.
	Start time.Time
	// Span the rows cover; 0 means 24h.
	Span time.Duration
	// Format is "csv" (UTF-8, the default when empty), "csv-gbk",
	// "csv.gz" or "parquet".
	Format string
	// Malformed is the number of bad rows to put in (CSV formats only).
	Malformed int
	// Header is "canonical" (the default when empty) or "chinese".
	Header string
}

// Validate reports the first invalid option.
func (o Options) Validate() error {
	switch {
	case o.Rows < 0:
		return fmt.Errorf("rows %d: must not be negative", o.Rows)
	case o.Merchants < 0 || o.Merchants > MaxMerchants:
		return fmt.Errorf("merchants %d: must be between 1 and %d (0 for the default %d)", o.Merchants, MaxMerchants, DefaultMerchants)
	case o.Span < 0 || o.Span > MaxSpan:
		return fmt.Errorf("span %s: must be positive and at most %s (0 for 24h)", o.Span, MaxSpan)
	case o.Span > 0 && o.Span < time.Minute:
		return fmt.Errorf("span %s: must be at least one minute", o.Span)
	case o.Malformed < 0 || o.Malformed > o.Rows:
		return fmt.Errorf("malformed %d: must be between 0 and rows (%d)", o.Malformed, o.Rows)
	}
	switch o.Format {
	case "", FormatCSV, FormatCSVGBK, FormatCSVGzip:
	case FormatParquet:
		if o.Malformed > 0 {
			return errors.New("malformed rows are only written in the CSV formats; a typed parquet column cannot hold them")
		}
	default:
		return fmt.Errorf("format %q: expected csv, csv-gbk, csv.gz or parquet", o.Format)
	}
	switch o.Header {
	case "", HeaderCanonical, HeaderChinese:
	default:
		return fmt.Errorf("header %q: expected canonical or chinese", o.Header)
	}
	return nil
}

// withDefaults fills the zero values that stand for defaults.
func (o Options) withDefaults() Options {
	if o.Merchants == 0 {
		o.Merchants = DefaultMerchants
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	if o.Span == 0 {
		o.Span = 24 * time.Hour
	}
	if o.Format == "" {
		o.Format = FormatCSV
	}
	if o.Header == "" {
		o.Header = HeaderCanonical
	}
	return o
}
