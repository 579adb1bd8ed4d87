package ingest

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
	_ "time/tzdata" // --tz must work on machines without a zoneinfo database

	"github.com/payops/analyze/pkg/record"
)

// Options say how to read exports. The zero value reads comma-separated,
// auto-detected UTF-8/GB18030 CSV with amounts in yuan, times in
// Asia/Shanghai, strict RFC 4180 quoting.
type Options struct {
	Delimiter     byte                    // 0 means ','
	Encoding      string                  // auto (""), utf-8, gb18030 or gbk
	Columns       map[record.Field]string // --columns overrides: field → header
	TZ            *time.Location          // nil means Asia/Shanghai
	AmountUnit    string                  // "yuan" ("") or "fen"
	LenientQuotes bool                    // keep bare quotes literally instead of failing the file
	ChunkBytes    int                     // CSV bytes per part; 0 means 1 MiB
	BatchRows     int                     // Parquet rows per batch; 0 means 8192
	Terminals     *Master                 // terminal_id → model, firmware
	Merchants     *Master                 // merchant_id → name, mcc, region
	// Stdin is read for the input "-"; nil means os.Stdin.
	Stdin io.Reader
	// Fields lists the optional fields the caller uses; the others are not
	// decoded (nor checked for encoding). nil means every field found.
	// Required fields, txn_type and currency are always read.
	Fields []record.Field
	// ReadBytes, when set, is added every byte read from an input (before
	// decompression), for a progress display.
	ReadBytes *atomic.Int64
	// Keep, when not empty, keeps only rows whose txn_time falls in one of
	// the ranges; the others count as filtered (Batch.Filtered), not read
	// further, so a row outside every range is never rejected for a fault
	// in a later column.
	Keep []TimeRange
}

// boundLayouts are the forms a time bound (--from, --to, --window) takes
// besides RFC 3339; they are read in the run's zone.
var boundLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// ParseBound reads a time bound given on a command line: RFC 3339, or a
// local date and time in loc (2026-11-21T14:00, 2026-11-21 14:00:05,
// 2026-11-21). ok is false when s is none of these.
func ParseBound(s string, loc *time.Location) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, l := range boundLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// TimeRange is a half-open interval [From, To) of Unix seconds.
type TimeRange struct{ From, To int64 }

// Contains reports whether t is in [From, To).
func (r TimeRange) Contains(t int64) bool { return t >= r.From && t < r.To }

// keeps reports whether a row at time t passes Keep.
func (o *Options) keeps(t int64) bool {
	if len(o.Keep) == 0 {
		return true
	}
	for _, r := range o.Keep {
		if r.Contains(t) {
			return true
		}
	}
	return false
}

// Validate checks the options for bad values.
func (o *Options) Validate() error {
	switch o.Delimiter {
	case 0, ',', '\t', '|', ';':
	default:
		return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--delimiter %q: expected , tab | or ;", o.Delimiter)}
	}
	if !validEncoding(o.Encoding) {
		return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--encoding %q: expected auto, utf-8, gb18030 or gbk", o.Encoding)}
	}
	switch o.AmountUnit {
	case "", "yuan", "fen":
	default:
		return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--amount-unit %q: expected yuan or fen", o.AmountUnit)}
	}
	for _, r := range o.Keep {
		if r.To <= r.From {
			return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("empty time range: %s..%s",
				time.Unix(r.From, 0).In(o.location()).Format(time.RFC3339), time.Unix(r.To, 0).In(o.location()).Format(time.RFC3339))}
		}
	}
	if o.ChunkBytes < 0 || o.BatchRows < 0 {
		return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("chunk and batch sizes must not be negative")}
	}
	return nil
}

// wants reports whether field f should be decoded.
func (o *Options) wants(f record.Field) bool {
	if o.Fields == nil || f >= record.NumFields {
		return true
	}
	switch f {
	case record.TxnTime, record.MerchantID, record.TerminalModel, record.Amount, record.RespCode, record.TxnType, record.Currency:
		return true
	}
	for _, g := range o.Fields {
		if g == f {
			return true
		}
	}
	return false
}

func (o *Options) delim() byte {
	if o.Delimiter == 0 {
		return ','
	}
	return o.Delimiter
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func (o *Options) location() *time.Location {
	if o.TZ == nil {
		return shanghai
	}
	return o.TZ
}

func (o *Options) chunkBytes() int {
	if o.ChunkBytes == 0 {
		return 1 << 20
	}
	return o.ChunkBytes
}

func (o *Options) batchRows() int {
	if o.BatchRows == 0 {
		return 8192
	}
	return o.BatchRows
}

// requiredFields is Required less terminal_model when a terminal master
// file can supply it.
func (o *Options) requiredFields() []record.Field {
	out := make([]record.Field, 0, len(Required))
	for _, f := range Required {
		if f == record.TerminalModel && o.Terminals != nil {
			continue
		}
		out = append(out, f)
	}
	return out
}
