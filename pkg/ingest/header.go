package ingest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// colDate is a pseudo-field for exports that split the timestamp into a
// date column (交易日期 20261121) and a time column (交易时间 143005); the
// two are joined into txn_time.
const colDate = record.NumFields

// numCols counts the canonical fields plus the pseudo-fields.
const numCols = colDate + 1

// aliases lists, per canonical field, the header names real exports use.
// Matching is case-insensitive and ignores surrounding spaces; the canonical
// name itself always matches.
var aliases = [numCols][]string{
	record.TxnTime:          {"交易时间", "交易日期时间", "trans_time", "transaction_time", "time", "txn_datetime", "交易发生时间"},
	record.MerchantID:       {"商户号", "商户编号", "商户代码", "mid", "merchant_no", "merchant_code", "mch_id"},
	record.MerchantName:     {"商户名称", "商户名", "merchant"},
	record.MCC:              {"商户类别码", "MCC", "商户类别", "mcc_code"},
	record.Region:           {"地区", "省份", "所属地区", "province", "area"},
	record.TerminalID:       {"终端号", "终端编号", "tid", "terminal_no", "device_id"},
	record.TerminalModel:    {"终端型号", "机具型号", "设备型号", "model", "device_model"},
	record.TerminalFirmware: {"固件版本", "软件版本", "终端版本", "firmware", "app_version", "fw_version"},
	record.Channel:          {"交易渠道", "渠道", "交易方式", "entry_mode"},
	record.PaymentMethod:    {"支付方式", "支付工具", "pay_type", "pay_method"},
	record.Amount:           {"交易金额", "金额", "amt", "trans_amount", "txn_amount"},
	record.Currency:         {"币种", "currency_code", "ccy"},
	record.RespCode:         {"应答码", "响应码", "返回码", "错误码", "response_code", "rc", "ret_code", "result_code"},
	record.RespMsg:          {"应答信息", "响应信息", "返回信息", "错误描述", "response_msg", "resp_desc", "err_msg", "ret_msg"},
	record.NetType:          {"网络类型", "network_type"},
	record.LatencyMS:        {"耗时毫秒", "耗时", "latency"},
	record.PAN:              {"卡号", "card_no", "card_number", "pan_masked"},
	record.RespSubcode:      {"子码", "sub_code", "err_code", "错误子码"},
	record.TxnType:          {"交易类型", "trans_type", "txn_kind"},
	record.TxnID:            {"交易流水号", "参考号", "订单号", "rrn", "trade_no", "out_trade_no"},
	colDate:                 {"交易日期", "trans_date", "txn_date", "date"},
}

// Required lists the fields a usable export must carry. terminal_model may
// come from a terminal master file instead.
var Required = []record.Field{record.TxnTime, record.MerchantID, record.TerminalModel, record.Amount, record.RespCode}

func colName(c record.Field) string {
	if c == colDate {
		return "txn_date"
	}
	return c.String()
}

func normHeader(s string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
}

var aliasIndex = func() map[string]record.Field {
	m := make(map[string]record.Field)
	for c := record.Field(0); c < numCols; c++ {
		if c.Derived() {
			continue // computed, never read
		}
		m[normHeader(colName(c))] = c
		for _, a := range aliases[c] {
			m[normHeader(a)] = c
		}
	}
	return m
}()

// Mapping says which input column holds each canonical field (-1: absent).
type Mapping struct {
	Index   [numCols]int
	Headers []string // the header row as found
	Ignored []string // headers that map to no field
}

// DateColumn is the index of a separate date column joined into txn_time,
// or -1.
func (m *Mapping) DateColumn() int { return m.Index[colDate] }

// Has reports whether the field f was found.
func (m *Mapping) Has(f record.Field) bool { return m.Index[f] >= 0 }

// MapHeader maps a header row onto canonical fields. overrides (from
// --columns canonical=Header) win over aliases. When a field matches several
// columns, the first wins. A field of required that is not found is an
// error naming the headers found and the aliases tried.
func MapHeader(file string, headers []string, overrides map[record.Field]string, required []record.Field) (*Mapping, error) {
	m := &Mapping{Headers: headers}
	for i := range m.Index {
		m.Index[i] = -1
	}
	used := make([]bool, len(headers))
	for f, h := range overrides {
		want := normHeader(h)
		found := false
		for i, got := range headers {
			if normHeader(got) == want {
				m.Index[f], used[i], found = i, true, true
				break
			}
		}
		if !found {
			return nil, &record.Error{Kind: record.KindUsage, File: file, Column: h,
				Err: fmt.Errorf("--columns %s=%s: no such header; headers found: %s", f, h, strings.Join(headers, ", "))}
		}
	}
	for i, h := range headers {
		if used[i] {
			continue
		}
		c, ok := aliasIndex[normHeader(h)]
		if !ok {
			m.Ignored = append(m.Ignored, h)
			continue
		}
		if m.Index[c] < 0 {
			m.Index[c] = i
			used[i] = true
		} else {
			m.Ignored = append(m.Ignored, h)
		}
	}
	var missing []string
	for _, f := range required {
		if m.Index[f] < 0 {
			missing = append(missing, f.String())
		}
	}
	if len(missing) > 0 {
		return nil, &record.Error{Kind: record.KindSchema, File: file, Err: fmt.Errorf(
			"missing required column %s; headers found: [%s]; aliases tried: %s",
			strings.Join(missing, ", "), strings.Join(headers, ", "), aliasList(missing))}
	}
	return m, nil
}

func aliasList(fields []string) string {
	var parts []string
	for _, name := range fields {
		f, _ := record.FieldByName(name)
		parts = append(parts, name+" ("+strings.Join(append([]string{name}, aliases[f]...), ", ")+")")
	}
	return strings.Join(parts, "; ")
}

// headerScore counts how many headers are known names; the encoding sniff
// uses it to tell GBK from other double-byte encodings.
func headerScore(headers []string) int {
	n := 0
	for _, h := range headers {
		if _, ok := aliasIndex[normHeader(h)]; ok {
			n++
		}
	}
	return n
}

// ParseColumns parses a --columns value "canonical=Header,...".
func ParseColumns(spec string) (map[record.Field]string, error) {
	out := make(map[record.Field]string)
	if strings.TrimSpace(spec) == "" {
		return out, nil
	}
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--columns %q: expected canonical=Header", part)}
		}
		f, ok := record.FieldByName(k)
		if ok && f.Derived() {
			return nil, &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--columns %q: %s is computed, not read from the input", part, k)}
		}
		if !ok {
			names := make([]string, 0, record.NumFields)
			for c := record.Field(0); c < record.NumFields; c++ {
				names = append(names, c.String())
			}
			sort.Strings(names)
			return nil, &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--columns %q: unknown field %q; expected one of %s", part, k, strings.Join(names, ", "))}
		}
		out[f] = v
	}
	return out, nil
}
