// Package classify turns each transaction into an outcome: approved,
// pending, or one decline cause of the catalogue in
// shared/design/causes.md. The classification is data: the embedded
// rules.toml holds the cause catalogue, the code tables built from
// shared/reference/response-codes.md (every row with its source), ordered
// conditional rules that resolve ambiguous codes with the other fields of
// the row, message keyword rules, a terminal capability table and
// acquirer profiles. Users layer their own files over it (Options), check
// them (CheckFile) and ask why a row got its cause (Classifier.Explain).
//
// # How a row is decided
//
//  1. The code tables give the code's reading: its namespace, its cause
//     (code_cause) and its class (code_class: missing, unmapped, generic or
//     specific).
//  2. The [[rule]] tables are tried in order; the first whose conditions
//     all hold decides.
//  3. Otherwise the code tables' cause stands (record.Unknown when the code
//     is in no table or missing).
//
// # Namespaces
//
// The same code means different things in different code spaces (05 is
// "do not honor" in ISO 8583 and "identity verification failed" for CUP;
// 38 is "PIN tries exceeded" for CUP and "UnionPay risk management" for UPI
// QR), so every table row is keyed by (namespace, code). Exports rarely say
// which namespace a code belongs to; it is inferred per row from the
// normalized resp_code (trimmed, upper-case, a lone digit zero-padded) and
// payment_method:
//
//   - ACQ.*, ISP.*, AOP.* and the Alipay gateway codes 10000, 10003, 20000,
//     20001, 40001, 40002, 40004, 40006 are alipay.
//   - An upper-case word (two letters, then letters, digits or underscores,
//     three characters or more: SYSTEMERROR, NOT_UTF8) is wechat, or alipay
//     when payment_method is huabei or alipay_balance.
//   - A two-character code is upi_qr when payment_method is unionpay_qr and
//     cup otherwise (an acquirer profile may say iso8583 or upi_qr instead).
//     A code missing from the cup (or upi_qr) table is then looked up in
//     iso8583.
//   - A three-digit number (ISO 8583:1993 action code) is iso8583.
//   - Anything else (000000, the Newland StarPOS success, for one) is read
//     only against rows without a namespace ("any").
//
// When resp_subcode is set it is looked up first (Alipay 40004 with
// ACQ.BUYER_BALANCE_NOT_ENOUGH, WeChat FAIL with NOTENOUGH); a bare word
// under an Alipay or WeChat code takes the code's namespace. A sub-code in
// no table falls back to the code.
//
// # The rules language
//
// A rules file is TOML (https://toml.io), read with go-toml's parser so
// that every error names its line. testdata/example.toml is a commented
// example; rules.toml is the full default. Top-level keys:
//
//	schema = 1                    optional; this version reads 1
//
//	[[cause]]                     the catalogue. A user file may change the texts
//	id = "merchant_not_enabled"   of an existing cause (any of the keys below);
//	label_en, label_zh,           it cannot add or rename a cause, since the ids
//	description,                  are the output contract.
//	who_acts = ["merchant"]       merchant, acquirer, platform, consumer, cashier
//	retry = "hard"                soft or hard
//	remedy_en, remedy_zh
//
//	[lists]                       named value sets, used in conditions as "@name";
//	huabei_restricted_mcc = []    a later file's list replaces an earlier one
//
//	[codes]                       code tables: one array per namespace (iso8583,
//	cup = [                       cup, upi_qr, alipay, wechat, or any)
//	  {code = "58", cause = "terminal_incompatible", source = "CUP-2014", note = "..."},
//	  {code = "01", cause = "consumer_account", generic = true},
//	]
//
// generic = true marks a code that says "declined" without the reason
// (ISO 05, ACQ.PAYMENT_FAIL, WeChat TRADE_ERROR): rules may refine it with
// the message. visa = 1..4 is the code's Visa decline category.
//
//	[[acquirer]]                  a profile, chosen with Options.Acquirer
//	id = "cn_app"                 (--acquirer); its code rows apply above the
//	two_char_namespace = "cup"    plain tables; two_char_namespace changes how
//	codes.cup = [ ... ]           two-character codes are read
//
//	[[terminal]]                  capability table: which models, from which
//	model = "Newland ME31"        firmware, can scan a payer's code (qr_scan),
//	model_pattern = "PAX S9*"     take contactless or take Huabei. The first
//	firmware = "< 2.4"            entry that matches the model and firmware and
//	huabei = false                states a capability decides it.
//	source = "fleet survey"
//
//	[[rule]]
//	id = "cup58-card"             required, unique in the file
//	cause = "merchant_not_enabled"  a cause id, approved or pending
//	code = "58"                   conditions: all must hold
//	payment_method = ["credit_card", "debit_card"]
//	source = "CUP-2014"           optional: where the reading comes from
//	note = "why"                  optional: shown by rules explain
//	disabled = true               optional: drops the rule (and, with the id
//	                              of a default rule, the default)
//
// Conditions of a [[rule]] take a string or an array of strings (a set:
// any value matches); "@name" inserts a list. A condition whose values all
// come from empty lists accepts nothing, so the rule never matches.
//
//	code, code_prefix   the row's resp_code or resp_subcode equals a value,
//	                    or starts with a prefix (together: either)
//	namespace           iso8583, cup, upi_qr, alipay, wechat, or none: the
//	                    namespace the code was read in (after the ISO fallback)
//	channel             card_swipe, card_chip, contactless, qr_scan, qr_present
//	payment_method      huabei, alipay_balance, wechat, unionpay_qr,
//	                    credit_card, debit_card. Values that are not lower-case
//	                    ASCII are accepted as an export's own vocabulary (ingest
//	                    keeps values it does not know); a lower-case ASCII value
//	                    that is not an id is an error, as it is a typo.
//	terminal_model      exact names; case and runs of spaces do not matter
//	terminal_model_pattern  globs: * any run, ? one character
//	terminal_firmware   one range: "< 3.2", ">= 2.4, < 2.5", "2.4.0" (exactly);
//	                    versions compare numerically part by part, 3.2 = 3.2.0;
//	                    "V2.3.1" and "ME31_V2.3.1" read as 2.3.1; a firmware
//	                    without digits matches no range
//	mcc                 "5411" or "7990-7999"
//	region              exact values as the export writes them (广东)
//	msg_any, msg_all, msg_none  resp_msg contains any / all / none of the
//	                    keywords (substrings; English keywords ignore case)
//	code_cause          the cause the code tables alone give
//	code_class          missing (no code at all), unmapped (in no table),
//	                    generic (a generic = true row), specific
//	capability          lacking, capable, unknown or none: what the payment
//	                    needs (qr_scan on the qr_scan channel, contactless on
//	                    contactless, huabei for Huabei) against the capability
//	                    table. lacking: an entry says the terminal cannot do one
//	                    of them; capable: entries say it can do all; none: the
//	                    payment needs nothing; unknown otherwise. A model no
//	                    entry mentions is never assumed to lack anything.
//
// The default rules resolve the reference's ambiguous codes this way:
// message keywords first when the code is missing, unmapped or generic and
// the text shows that the wallet, issuer or acquirer judged the payment
// (balance, credit line, contract, risk, a bad payment code); then a
// wallet or contactless payment declined with a terminal, integration or
// unexplained code on a terminal that lacks the capability is
// terminal_incompatible; then code-specific readings (58 on a card or on
// a capable terminal is merchant_not_enabled; ACQ.MERCHANT_STATUS_NOT_NORMAL
// by its text; ACQ.NO_PAYMENT_INSTRUMENTS_AVAILABLE on Huabei is
// consumer_credit); then the restricted lists; then the keywords of
// timeouts, network, system and format errors.
//
// A CSV file with the header namespace,code,cause (the format of the first
// version) is a code table: it keeps working, with its precedence.
//
// # Layering
//
// Files are given in order (Options.RulesFiles; the format follows the
// extension, .toml or .csv, and the content must agree):
//
//   - Code tables: the built-in success and pending codes, then the
//     embedded tables (unless NoDefaultRules), then each file in order, a
//     later file above an earlier one. Within a file a namespaced row wins
//     over an "any" row, and the selected acquirer profile's rows over the
//     plain ones. File order comes before namespace specificity.
//   - Rules: a rule whose id is already present replaces it in place (so
//     it keeps the default's position); a file's new rules are tried before
//     all rules so far, so a later file's come first; disabled = true
//     removes one. NoDefaultRules drops the embedded rules.
//   - Lists: a later file's list of the same name replaces the earlier.
//   - Capabilities: Options.CapabilitiesFiles (--capabilities, only
//     [[terminal]] tables), later first; then the rules files' [[terminal]]
//     tables, later first; then the embedded facts.
//   - Catalogue: the embedded texts, with each file's [[cause]] overrides.
//     NoDefaultRules keeps the catalogue, the lists and the capability facts.
//
// CheckFile reports, beyond parse errors, rules that can never match
// because an earlier rule in the merged order accepts every row they
// accept. This is decided exactly for exact values, sets, code prefixes,
// MCC ranges and firmware ranges; for model patterns only when identical;
// for keywords by substring (a message containing 花呗额度不足 contains
// 额度不足).
//
// # Speed
//
// A Classifier is immutable and may be shared by goroutines. Each worker
// takes its own Matcher, which caches in two levels. The first is keyed by
// (code, sub-code, payment method, channel): real exports have a few
// hundred combinations, and most rows (approvals, codes no rule refines)
// are decided there with one map probe. When a rule on another field may
// apply, the first-level entry records which fields matter, and the row
// goes to the second level, keyed by the entry and only those fields; for
// resp_msg the key holds which keywords the message contains, never its
// text (messages carry order numbers). Both levels are bounded. A warm
// Matcher allocates nothing per row; see BenchmarkRules for the cost
// against the code tables alone.
package classify
