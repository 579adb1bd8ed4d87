// Package classify turns the response code of each transaction into an
// outcome: approved, pending, or one decline cause of the catalogue in
// shared/design/causes.md. It holds the cause catalogue (labels in English
// and Chinese, who acts, retry, remedy), the default code table built from
// shared/reference/response-codes.md, the parser for user code tables, and
// the Matcher that classifies record.Batch columns.
//
// # Namespaces
//
// The same code means different things in different code spaces (05 is
// "do not honor" in ISO 8583 and "identity verification failed" for CUP; 38
// is "PIN tries exceeded" for CUP and "UnionPay risk management" for UPI QR),
// so every table row is keyed by (namespace, code). Exports rarely say which
// namespace a code belongs to; it is inferred per row from the normalized
// resp_code (trimmed, upper-case, a lone digit zero-padded) and
// payment_method:
//
//   - ACQ.*, ISP.*, AOP.* and the Alipay gateway codes 10000, 10003, 20000,
//     20001, 40001, 40002, 40004, 40006 are alipay.
//   - An upper-case word (two letters, then letters, digits or underscores,
//     three characters or more: SYSTEMERROR, NOT_UTF8) is wechat, or alipay
//     when payment_method is huabei or alipay_balance.
//   - A two-character code is upi_qr when payment_method is unionpay_qr and
//     cup otherwise; card channels included, since the exports come from
//     Chinese acquirers. A code missing from the cup (or upi_qr) table is
//     then looked up in iso8583.
//   - A three-digit number (ISO 8583:1993 action code) is iso8583.
//   - Anything else (000000, the Newland StarPOS success, for one) is read
//     only against rows without a namespace.
//
// # Sub-codes
//
// When resp_subcode is set it decides first (Alipay 40004 with
// ACQ.BUYER_BALANCE_NOT_ENOUGH, WeChat FAIL with NOTENOUGH). Its namespace is
// inferred the same way, except that a bare word under an Alipay or WeChat
// code takes the code's namespace. A sub-code found in no table falls back
// to the code. A row whose code is empty or matches nothing is
// record.Unknown, never dropped; its namespace is the one inferred for the
// code, or for the sub-code when the code is empty (record.NSNone when
// there is none).
//
// # Tables and precedence
//
// The built-in success and pending codes (00, SUCCESS, 10000, 000000;
// USERPAYING, 10003, CUP A2/A4-A6, ...) always apply. Above them comes the
// embedded codes.csv (dropped by Options.NoDefaultRules), and above that
// the user's .csv code tables, a later file above an earlier one. Within
// one file a row with a namespace wins over a row without one. File order
// comes before namespace specificity: a later file's row without a
// namespace beats an earlier file's namespaced row for the same code.
//
// A later rules language adds conditional rules (terminal model, MCC,
// message text). They slot in before the code table, in
// Classifier.classify; the Matcher's cache key must then carry every field
// those rules read.
//
// # Speed
//
// A Classifier is immutable and may be shared by goroutines. Each worker
// takes its own Matcher, which caches the outcome per distinct (code,
// sub-code, payment method, channel) combination; real exports have a few
// hundred of them, so a batch costs one map probe per row and no
// allocation.
package classify
