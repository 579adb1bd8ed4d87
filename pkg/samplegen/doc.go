// Package samplegen writes synthetic, deterministic exports of card and QR
// payment transactions shaped like the files Chinese acquirers (Lakala,
// Shengfutong, UnionPay Merchant Services) hand to merchants: the samples
// under samples/, test inputs, and the large files the benchmarks read.
//
// The same Options give byte-identical output: the generator draws from one
// PCG source seeded with Options.Seed, never iterates a map and never reads
// the clock. (Amounts go through float64 math.Exp; a platform whose Exp
// differs in the last bit could in rare cases round a cent differently.)
//
// # What the rows look like
//
// A merchant universe (Options.Merchants merchants, each with one or more
// terminals of a real model and firmware) is drawn first; rows then arrive
// in time order over Options.Span with a day-shaped volume curve (the
// incident's retries, written right after the attempt they follow, are up
// to a few minutes ahead of their neighbours). About 85%
// of purchases are approved; declines carry codes of the namespace the
// payment method implies, all taken from shared/reference/response-codes.md:
// CUP field-39 codes for cards, Alipay 40004 + ACQ.* sub-codes (sometimes
// the bare ACQ.* code) for Alipay and Huabei, WeChat FAIL + err_code for
// WeChat, UnionPay QR codes for 云闪付, with the usual Chinese message. A
// few rows have an empty code and only a message, a few are pending
// (USERPAYING, 10003, 04), about 3% are voids, refunds and reversals, about
// 0.1% repeat the previous row (the same transaction exported twice), and a
// few card rows carry an unmasked, Luhn-valid, obviously synthetic test PAN
// (TestPANs) so that masking gets exercised.
//
// Structure a later analysis can find:
//
//   - The planted incident: from 14:00 to 15:00 (the first such hour at or
//     after Start, in Start's zone) Huabei payments on Newland ME31
//     terminals with firmware below 2.4 in 广东 fail with CUP code 58
//     (不允许终端进行的交易) three times out of four. Cashiers retry, and
//     some payers then switch to Alipay balance or WeChat, so the hour also
//     carries extra attempts. Merchant 0, the busiest, is a 广东 chain of
//     ME31 terminals, so the incident shows even in a few thousand rows.
//   - CUP's day-end window, 23:00 to 23:20: about 30% of card payments
//     fail with 96 or 90, across all merchants (system_maintenance).
//   - Per merchant: Huabei not enabled (ACQ.MERCHANT_AGREEMENT_NOT_EXIST),
//     WeChat permission missing (NOAUTH), flagged by risk control.
//   - Per terminal: bad keys (A0, MAC校验错) and a weak network (timeouts:
//     68/98 on cards, message-only 交易超时 on QR).
//
// # Variants
//
// Header "canonical" writes the canonical field names of package record and
// English vocabulary ids (card_chip, huabei, purchase, CNY); "chinese"
// writes the Chinese headers and values real exports carry (插卡, 花呗, 消费,
// 156), amounts of 1000 and more with thousands separators ("1,234.00"),
// and CRLF line endings. Format "csv-gbk" encodes the CSV in GBK, "csv.gz"
// gzips it, "parquet" writes typed columns (see Write).
//
// Malformed rows (Options.Malformed, CSV formats only) replace regular rows
// at evenly spaced positions and cycle through: a ragged row, amount
// "12.3.4", an impossible time, an empty merchant_id, amount "1.234" (more
// decimals than CNY has) and a negative purchase amount.
package samplegen
