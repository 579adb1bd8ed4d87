package record

// Field is a canonical column of a transaction export. The order is the
// order of the table in README.md; it is not part of any output contract.
type Field uint8

const (
	TxnTime Field = iota
	MerchantID
	MerchantName
	MCC
	Region
	TerminalID
	TerminalModel
	TerminalFirmware
	Channel
	PaymentMethod
	Amount
	Currency
	RespCode
	RespMsg
	NetType // canonical "network": 4G, Wi-Fi, ...
	LatencyMS
	PAN
	RespSubcode
	TxnType
	TxnID
	// Bucket is derived, never read from an input: the start of the
	// row's time bucket (RFC 3339), filled by the pipeline when a --by
	// breakdown uses it.
	Bucket
	NumFields
)

var fieldNames = [NumFields]string{
	"txn_time", "merchant_id", "merchant_name", "mcc", "region",
	"terminal_id", "terminal_model", "terminal_firmware", "channel",
	"payment_method", "amount", "currency", "resp_code", "resp_msg",
	"network", "latency_ms", "pan", "resp_subcode", "txn_type", "txn_id",
	"bucket",
}

// Derived reports a field computed by the tool rather than read from an
// input (Bucket): no header maps to it.
func (f Field) Derived() bool { return f == Bucket }

// String returns the canonical snake_case name.
func (f Field) String() string {
	if f < NumFields {
		return fieldNames[f]
	}
	return "field?"
}

// FieldByName returns the field with the canonical name, and false when
// there is none.
func FieldByName(name string) (Field, bool) {
	for i, n := range fieldNames {
		if n == name {
			return Field(i), true
		}
	}
	return 0, false
}

// TxnKind is the normalized transaction type. Only purchases count as
// attempts; the others are counted separately.
type TxnKind uint8

const (
	Purchase TxnKind = iota
	Void
	Refund
	Reversal
	OtherKind
)

var txnKindNames = [...]string{"purchase", "void", "refund", "reversal", "other"}

func (k TxnKind) String() string {
	if int(k) < len(txnKindNames) {
		return txnKindNames[k]
	}
	return "other"
}
