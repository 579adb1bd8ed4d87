package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// Report languages (--lang). Human-facing outputs (HTML, XLSX, text
// headings) use them; machine formats keep stable ids and only gain a
// cause_label column (WithCauseLabels).
const (
	LangEN = "en"
	LangZH = "zh"
)

// ParseLang returns the report language for a --lang value: "en" (also
// "", "en-*") or "zh" (also "zh-CN", "zh_cn", "zh-Hans", ...).
func ParseLang(s string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	switch {
	case l == "" || l == LangEN || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_"):
		return LangEN, nil
	case l == LangZH || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_"):
		return LangZH, nil
	}
	return "", &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--lang %q: expected en or zh", s)}
}

// labels holds every fixed human-facing text of the reports, {en, zh},
// keyed by "col.<column>", "table.<breakdown>", "who.<role>",
// "retry.<kind>" or a plain UI key. One map, so a test can check that no
// language misses a key.
var labels = map[string][2]string{
	// columns of the breakdowns (tables.go, timeseries.go) and of the
	// canonical fields a --by breakdown may use
	"col.merchant_id":       {"Merchant ID", "商户号"},
	"col.merchant_name":     {"Merchant name", "商户名称"},
	"col.currency":          {"Currency", "币种"},
	"col.cause":             {"Cause", "失败原因"},
	"col.cause_id":          {"Cause id", "原因代码"},
	"col.cause_label":       {"Cause", "失败原因"},
	"col.declines":          {"Declines", "失败笔数"},
	"col.amount":            {"Declined amount", "失败金额"},
	"col.attempts":          {"Attempts", "交易笔数"},
	"col.decline_rate":      {"Decline rate", "失败率"},
	"col.terminals":         {"Terminals", "终端数"},
	"col.terminal_model":    {"Terminal model", "终端型号"},
	"col.terminal_firmware": {"Firmware", "固件版本"},
	"col.approved":          {"Approved", "成功笔数"},
	"col.pending":           {"Pending", "待定笔数"},
	"col.top_cause":         {"Top cause", "主要原因"},
	"col.top_cause_id":      {"Top cause id", "主要原因代码"},
	"col.top_cause_label":   {"Top cause", "主要原因"},
	"col.share":             {"Share of declines", "占失败比例"},
	"col.merchants":         {"Merchants", "商户数"},
	"col.bucket_start":      {"Period start", "时段开始"},
	"col.bucket":            {"Period start", "时段开始"},
	"col.txn_time":          {"Time", "交易时间"},
	"col.mcc":               {"MCC", "商户类别码"},
	"col.region":            {"Region", "地区"},
	"col.terminal_id":       {"Terminal ID", "终端号"},
	"col.channel":           {"Channel", "交易渠道"},
	"col.payment_method":    {"Payment method", "支付方式"},
	"col.resp_code":         {"Response code", "应答码"},
	"col.resp_msg":          {"Response message", "应答信息"},
	"col.network":           {"Network", "网络类型"},
	"col.latency_ms":        {"Latency (ms)", "耗时(毫秒)"},
	"col.pan":               {"Card number", "卡号"},
	"col.resp_subcode":      {"Sub-code", "子码"},
	"col.txn_type":          {"Transaction type", "交易类型"},
	"col.txn_id":            {"Transaction ID", "交易流水号"},
	// unmapped codes and spike findings (their tables may carry more
	// columns; an unknown one is shown under its id)
	"col.namespace":       {"Code table", "码表"},
	"col.code":            {"Code", "应答码"},
	"col.subcode":         {"Sub-code", "子码"},
	"col.message":         {"Message", "应答信息"},
	"col.count":           {"Count", "笔数"},
	"col.example":         {"Example", "示例"},
	"col.file":            {"File", "文件"},
	"col.line":            {"Line", "行号"},
	"col.key":             {"Key", "维度"},
	"col.rate_before":     {"Rate before", "之前失败率"},
	"col.rate_after":      {"Rate after", "之后失败率"},
	"col.attempts_before": {"Attempts before", "之前交易笔数"},
	"col.attempts_after":  {"Attempts after", "之后交易笔数"},
	"col.declines_before": {"Declines before", "之前失败笔数"},
	"col.declines_after":  {"Declines after", "之后失败笔数"},
	"col.explained_share": {"Share explained", "解释比例"},
	"col.p_value":         {"p-value", "p值"},
	"col.causes":          {"Causes", "失败原因"},
	"col.first_bucket":    {"First period", "首个时段"},
	"col.root_cause":      {"Root cause", "根本原因"},
	"col.path":            {"File", "文件"},
	"col.size":            {"Size (bytes)", "大小(字节)"},
	"col.rows":            {"Rows", "行数"},
	"col.sha256":          {"SHA-256", "SHA-256"},
	"col.error":           {"Error", "错误"},

	// breakdown titles (HTML headings, XLSX sheet names: at most 31
	// characters, checked by a test)
	"table.by_merchant":       {"By merchant", "按商户"},
	"table.by_terminal_model": {"By terminal model", "按终端型号"},
	"table.by_model_firmware": {"By model and firmware", "按型号和固件"},
	"table.merchants":         {"Merchants", "商户汇总"},
	"table.terminal_models":   {"Terminal models", "终端型号汇总"},
	"table.by_cause":          {"By cause", "按失败原因"},
	"table.timeseries":        {"Over time", "时间走势"},
	"table.unmapped":          {"Unmapped codes", "未映射应答码"},
	"table.spike":             {"Spike findings", "突增分析"},
	"table.summary":           {"Summary", "摘要"},
	"table.by":                {"By %s", "按%s"},

	// who acts and retry, as the catalogue spells them
	"who.merchant": {"merchant", "商户"},
	"who.acquirer": {"acquirer", "收单机构"},
	"who.platform": {"platform", "支付平台"},
	"who.consumer": {"consumer", "消费者"},
	"who.cashier":  {"cashier", "收银员"},
	"retry.soft":   {"soft", "可重试"},
	"retry.hard":   {"hard", "重试无效"},

	// page and chart texts
	"title":               {"Declined payments report", "交易失败原因分析报告"},
	"list_sep":            {", ", "、"},
	"headline":            {"Headline figures", "关键指标"},
	"declined_amount":     {"Declined amount", "失败金额"},
	"window":              {"Time window", "数据时间范围"},
	"filter":              {"Time filter (--from, --to)", "时间过滤(--from, --to)"},
	"none":                {"none", "无"},
	"timeseries":          {"Decline rate over time, by cause", "各失败原因的失败率走势"},
	"timeseries_none":     {"No time series in this run (run with --bucket to get one).", "本次运行没有时间序列(使用 --bucket 生成)。"},
	"timeseries_note":     {"Stacked: each band is a cause's declines over the period's attempts; the top edge is the decline rate.", "堆叠图:每一层为该原因失败笔数占该时段交易笔数的比例,顶部边缘即总失败率。"},
	"causes":              {"Declines by cause", "失败原因分布"},
	"retry_note":          {"Retry: soft — the same payment may succeed later or after a fix; hard — retrying it as it is will not help.", "重试:可重试 — 同一笔支付稍后或修复后可能成功;重试无效 — 原样重试不会成功。"},
	"catalogue":           {"Cause catalogue", "失败原因目录"},
	"who_acts":            {"Who acts", "责任方"},
	"retry":               {"Retry", "重试"},
	"remedy":              {"What to do", "处理建议"},
	"top_merchants":       {"Top merchants by declines", "失败笔数最多的商户"},
	"top_models":          {"Top terminal models by declines", "失败笔数最多的终端型号"},
	"cause_mix":           {"Bars show the cause mix of each row's declines.", "条形按失败原因分段显示构成。"},
	"heatmap":             {"Terminal model × cause", "终端型号 × 失败原因"},
	"heatmap_note":        {"Colour: the cause's declines over the model's attempts; number: declines.", "颜色:该原因失败笔数占该型号交易笔数的比例;数字:失败笔数。"},
	"firmware":            {"Firmware of the models with the highest decline rate", "失败率最高的终端型号的固件版本"},
	"firmware_note":       {"Models with at least %d attempts, highest decline rate first; firmware versions without declines are not listed.", "仅含交易笔数不少于 %d 的型号,按失败率从高到低;没有失败交易的固件版本不列出。"},
	"unmapped":            {"Unmapped codes", "未映射的应答码"},
	"unmapped_none":       {"No unmapped codes in this run.", "本次运行没有未映射的应答码。"},
	"spike":               {"Spike findings", "突增分析结论"},
	"provenance":          {"Provenance", "数据来源"},
	"version":             {"Tool version", "工具版本"},
	"rules_version":       {"Rules version", "规则版本"},
	"command":             {"Command", "命令行"},
	"generated_at":        {"Generated at", "生成时间"},
	"inputs":              {"Input files", "输入文件"},
	"reconciliation":      {"Rows", "行数核对"},
	"reconciliation_line": {"read %s = classified %s + rejected %s + filtered %s", "读取 %s = 已分类 %s + 已拒收 %s + 已过滤 %s"},
	"duplicates_line":     {"duplicates %s; not purchases %s (void %s, refund %s, reversal %s, other %s)", "重复 %s;非消费交易 %s(撤销 %s,退货 %s,冲正 %s,其他 %s)"},
	"rows_read":           {"Rows read", "读取行数"},
	"rows_classified":     {"Rows classified", "已分类行数"},
	"rows_rejected":       {"Rows rejected", "已拒收行数"},
	"rows_filtered":       {"Rows filtered", "已过滤行数"},
	"duplicates":          {"Duplicates", "重复交易"},
	"non_purchase":        {"Not purchases", "非消费交易"},
	"no_declines":         {"No declines in this run.", "本次运行没有失败交易。"},
	"other":               {"others", "其他"},
	"rank":                {"#", "序号"},
	"sort_hint":           {"Click a column header to sort.", "点击表头可排序。"},
	"amounts_note":        {"Amounts are per currency and never summed across currencies.", "金额按币种分别统计,不跨币种相加。"},
}

// Label returns the text of key in lang, English when lang is not zh, and
// the key itself when there is none (an unknown column shows its id).
func Label(lang, key string) string {
	v, ok := labels[key]
	if !ok {
		return key
	}
	if lang == LangZH {
		return v[1]
	}
	return v[0]
}

// ColumnLabel returns the header of a breakdown column in lang. The
// timeseries' per-cause columns (declines_<cause>, share_<cause>) are
// named with the cause's label from causes (id → label). A column without
// a label shows its id.
func ColumnLabel(lang, col string, causes map[string]string) string {
	if _, ok := labels["col."+col]; ok {
		return Label(lang, "col."+col)
	}
	for _, p := range []string{"declines_", "share_"} {
		if id, ok := strings.CutPrefix(col, p); ok {
			if l, ok := causes[id]; ok {
				head := Label(lang, "col.declines")
				if p == "share_" {
					head = Label(lang, "col.decline_rate")
				}
				if lang == LangZH {
					return l + head
				}
				return head + ": " + l
			}
		}
	}
	return col
}

// TableTitle returns the title of a breakdown in lang: a built-in one's,
// or "By region, payment method" for by_region_payment_method.
func TableTitle(lang, name string) string {
	if _, ok := labels["table."+name]; ok {
		return Label(lang, "table."+name)
	}
	if rest, ok := strings.CutPrefix(name, "by_"); ok {
		if fields := splitFields(rest); fields != nil {
			parts := make([]string, len(fields))
			for i, f := range fields {
				parts[i] = Label(lang, "col."+f)
			}
			return fmt.Sprintf(Label(lang, "table.by"), strings.Join(parts, Label(lang, "list_sep")))
		}
	}
	return name
}

// splitFields splits canonical field names joined by "_" (the names
// contain "_" themselves); nil when s is not such a list.
func splitFields(s string) []string {
	for f := record.Field(0); f < record.NumFields; f++ {
		n := f.String()
		if s == n {
			return []string{n}
		}
		if rest, ok := strings.CutPrefix(s, n+"_"); ok {
			if tail := splitFields(rest); tail != nil {
				return append([]string{n}, tail...)
			}
		}
	}
	return nil
}

// localWords translates catalogue words (roles, retry kinds) under
// prefix ("who.", "retry.") and joins them with the language's list
// separator; a word without a label stays as it is, and no words give "—".
func localWords(lang, prefix string, words ...string) string {
	var out []string
	for _, w := range words {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if _, ok := labels[prefix+w]; ok {
			w = Label(lang, prefix+w)
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, Label(lang, "list_sep"))
}

// CauseInfo is what the reports say about one decline cause, as
// classify's catalogue has it. The renderers translate WhoActs and Retry
// themselves; Label and Remedy are shown as given, so the caller passes
// them in the report's language.
type CauseInfo struct {
	ID      string   // stable id, e.g. "network"
	Label   string   // display label in the report's language
	WhoActs []string // catalogue roles: merchant, acquirer, platform, consumer, cashier; none for unknown
	Retry   string   // soft or hard; "" for unknown
	Remedy  string   // what to do, in the report's language
}

// CauseLabels maps cause ids to their labels.
func CauseLabels(causes []CauseInfo) map[string]string {
	m := make(map[string]string, len(causes))
	for _, c := range causes {
		m[c.ID] = c.Label
	}
	return m
}

// WithCauseLabels returns t with a label column appended after each
// cause column: cause_label after cause, top_cause_label after top_cause
// (at the end of the row, so the existing columns keep their positions:
// the contract only ever appends). An id missing from labels is labelled
// with itself, an empty cell stays empty. Tables without such a column are
// returned as they are. t is not changed: the result is lazy, making each
// labelled row from t's when read, so a million-row table is not copied.
func WithCauseLabels(t Table, labels map[string]string) Table {
	var src []int
	var names []string
	for _, c := range []string{"cause", "top_cause"} {
		if i := t.Col(c); i >= 0 && t.Col(c+"_label") < 0 {
			src = append(src, i)
			names = append(names, c+"_label")
		}
	}
	if len(src) == 0 {
		return t
	}
	cols := slices.Concat(t.Columns, names)
	kinds := slices.Clone(t.Kinds)
	for range names {
		kinds = append(kinds, ColString)
	}
	return AppendColumns(t, cols, kinds, func(row, dst []string) []string {
		for _, i := range src {
			id := ""
			if i < len(row) {
				id = row[i]
			}
			l, ok := labels[id]
			if !ok {
				l = id
			}
			dst = append(dst, l)
		}
		return dst
	})
}

// AppendColumns returns a lazy table named as t, with columns cols and
// kinds kinds, whose row i is t's row i followed by extra(row, dst): the
// cells extra appends to dst, which it must return. t is not changed.
func AppendColumns(t Table, cols []string, kinds []ColKind, extra func(row, dst []string) []string) Table {
	var buf []string // t's row, when t is lazy: the rows are read one at a time
	return LazyTable(t.Name, cols, kinds, t.Len(), func(i int, dst []string) []string {
		buf = t.Row(i, buf)
		dst = append(dst, buf...)
		return extra(buf, dst)
	})
}
