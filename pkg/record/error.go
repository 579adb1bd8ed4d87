package record

import (
	"errors"
	"strconv"
	"strings"
)

// Kind classifies an Error so callers can decide what to do with it
// (reject a row, skip a file, exit with a usage status) without parsing text.
type Kind uint8

const (
	KindOther       Kind = iota
	KindUsage            // bad flags, rules or column overrides: exit 2
	KindNoInput          // an input that matches no file: exit 2
	KindIO               // a file that cannot be opened or read
	KindFormat           // not CSV or Parquet, corrupt, truncated, empty
	KindSchema           // a required column is missing
	KindEncoding         // bytes that do not decode in the chosen encoding
	KindRow              // one row is bad; the run goes on
	KindUnsupported      // nested or encrypted Parquet, and the like
)

var kindNames = [...]string{"error", "usage", "no input", "i/o", "format", "schema", "encoding", "row", "unsupported"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "error"
}

// Error is the one error type of analyze: it says where (file, line or row,
// column, byte offset) and what. Fields print only when set. The text is
// lowercase and never holds an unmasked card number.
type Error struct {
	Kind   Kind
	File   string
	Line   int64  // 1-based line in a text file; 0 when unknown
	Row    int64  // 1-based row in a Parquet file; 0 when unknown
	Column string // header or canonical name; "" when not about one column
	Offset int64  // byte offset in the decoded input; meaningful when HasOffset
	// HasOffset is set when Offset is known (offset 0 is a real position).
	HasOffset bool
	Raw       string // the raw record for rejects.csv, card numbers masked
	Err       error
}

// Error formats as "file:line: column "x": cause (byte N)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.FormatInt(e.Line, 10))
		}
		if e.Row > 0 {
			b.WriteString(": row ")
			b.WriteString(strconv.FormatInt(e.Row, 10))
		}
		b.WriteString(": ")
	}
	if e.Column != "" {
		b.WriteString("column ")
		b.WriteString(strconv.Quote(e.Column))
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(MaskPANs(e.Err.Error()))
	} else {
		b.WriteString(e.Kind.String())
	}
	if e.HasOffset {
		b.WriteString(" (byte offset ")
		b.WriteString(strconv.FormatInt(e.Offset, 10))
		b.WriteByte(')')
	}
	return b.String()
}

// Reason is the error text without the file and line, for rejects.csv.
func (e *Error) Reason() string {
	if e.Err == nil {
		return e.Kind.String()
	}
	return MaskPANs(e.Err.Error())
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the first *Error in err's chain, or KindOther.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// Errorf-style helpers keep call sites short.

// NewError returns an *Error of kind k wrapping a plain message.
func NewError(k Kind, file, msg string) *Error {
	return &Error{Kind: k, File: file, Err: errors.New(msg)}
}
