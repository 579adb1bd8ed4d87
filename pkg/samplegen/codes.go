package samplegen

// resp is one response as an export shows it: code, sub-code, message.
// Every code and sub-code here is listed in
// shared/reference/response-codes.md.
type resp struct {
	code, sub, msg string
	weight         int
}

// choice picks weighted entries with one bounded random draw.
type choice struct {
	items []resp
	cum   []uint32
}

func newChoice(items []resp) *choice {
	c := &choice{items: items, cum: make([]uint32, len(items))}
	var t uint32
	for i, it := range items {
		t += uint32(it.weight)
		c.cum[i] = t
	}
	return c
}

func (c *choice) pick(r interface{ Uint32N(uint32) uint32 }) *resp {
	x := r.Uint32N(c.cum[len(c.cum)-1])
	for i, t := range c.cum {
		if x < t {
			return &c.items[i]
		}
	}
	return &c.items[len(c.items)-1]
}

// Approvals per payment method.
var approved = [numPM]resp{
	pmHuabei:     {"10000", "", "交易成功", 1},
	pmAlipay:     {"10000", "", "交易成功", 1},
	pmWechat:     {"SUCCESS", "", "支付成功", 1},
	pmUnionPayQR: {"00", "", "成功", 1},
	pmCredit:     {"00", "", "交易成功", 1},
	pmDebit:      {"00", "", "承兑或交易成功", 1},
}

// Pending answers (result unknown, the payer is still confirming).
var pending = [numPM]resp{
	pmHuabei:     {"10003", "", "等待用户付款", 1},
	pmAlipay:     {"10003", "", "等待用户付款", 1},
	pmWechat:     {"FAIL", "USERPAYING", "用户支付中，需要输入密码", 1},
	pmUnionPayQR: {"04", "", "交易处理中", 1},
	pmCredit:     {"A2", "", "交易成功，请向资金转入行确认", 1},
	pmDebit:      {"A2", "", "交易成功，请向资金转入行确认", 1},
}

// CUP field-39 declines of card payments (Q/CUP 006.6-2014 annex A.2).
var cupDeclines = newChoice([]resp{
	{"51", "", "可用余额不足", 300},
	{"55", "", "密码错", 140},
	{"68", "", "交易超时，请重试", 70},
	{"05", "", "持卡人认证失败", 60},
	{"61", "", "交易金额超限", 60},
	{"91", "", "发卡方状态不正常，请稍后重试", 40},
	{"96", "", "拒绝，交换中心异常，请稍后重试", 30},
	{"98", "", "发卡方超时", 30},
	{"54", "", "该卡已过期", 30},
	{"75", "", "密码错误次数超限", 30},
	{"57", "", "不允许此卡交易", 30},
	{"01", "", "请持卡人与发卡银行联系", 20},
	{"14", "", "无效卡号", 20},
	{"92", "", "发卡方线路异常", 20},
	{"A0", "", "MAC校验错，请重新签到", 20},
	{"65", "", "超出消费次数限制", 10},
	{"41", "", "挂失卡", 10},
	{"58", "", "不允许终端进行的交易", 10},
	{"62", "", "受限制的卡", 10},
	{"94", "", "重复交易", 10},
	{"21", "", "该卡未初始化或睡眠卡", 8},
	{"40", "", "发卡方不支持的交易", 5},
	{"03", "", "无效商户", 5},
	{"97", "", "终端号未登记", 5},
	{"99", "", "PIN格式错，请重新签到", 5},
	{"30", "", "报文格式错误", 5},
	{"13", "", "无效金额", 5},
	{"34", "", "作弊卡,呑卡", 3},
	{"93", "", "交易违法、不能完成", 2},
})

// Swiping a chip card falls back to the magnetic stripe, which CUP refuses.
var cupFallback = resp{"45", "", "请使用芯片", 1}

// Alipay balance declines: 40004 + ACQ.* sub_code + sub_msg.
var alipayDeclines = newChoice([]resp{
	{"40004", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足", 250},
	{"40004", "ACQ.PAYMENT_AUTH_CODE_INVALID", "支付授权码无效", 150},
	{"40004", "ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH", "用户银行卡余额不足", 80},
	{"40004", "ACQ.SYSTEM_ERROR", "系统异常", 80},
	{"40004", "ACQ.PAYMENT_REQUEST_HAS_RISK", "支付有风险", 50},
	{"40004", "ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR", "买家付款日限额超限", 40},
	{"40004", "ACQ.NO_PAYMENT_INSTRUMENTS_AVAILABLE", "没有可用的支付工具", 40},
	{"40004", "ACQ.TRADE_HAS_SUCCESS", "交易已被支付", 20},
	{"40004", "ACQ.BUYER_ENABLE_STATUS_FORBID", "买家状态非法", 20},
	{"40004", "ACQ.USER_FACE_PAYMENT_SWITCH_OFF", "用户当面付付款开关关闭", 20},
	{"40004", "ACQ.PAYMENT_FAIL", "支付失败", 20},
	{"40004", "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改", 10},
	{"40004", "ACQ.MOBILE_PAYMENT_SWITCH_OFF", "用户的无线支付开关关闭", 10},
	{"40004", "ACQ.MERCHANT_AGREEMENT_NOT_EXIST", "商户协议不存在", 10},
	{"40004", "ACQ.INVALID_PARAMETER", "参数无效", 10},
	{"40004", "ACQ.NOT_CERTIFIED_USER", "买家非实名认证用户", 5},
	{"40004", "ACQ.TOTAL_FEE_EXCEED", "订单总金额超过限额", 5},
	{"40004", "ACQ.ACCESS_FORBIDDEN", "无权限使用接口", 5},
	{"40004", "ACQ.MERCHANT_STATUS_NOT_NORMAL", "商户状态异常", 5},
	{"40004", "ACQ.RESTRICTED_MERCHANT_INDUSTRY", "行业信息交易受限", 5},
	{"40004", "ACQ.BEYOND_PER_RECEIPT_SINGLE_RESTRICTION", "订单金额超过单笔限额", 5},
	{"40004", "ACQ.SELLER_BEEN_BLOCKED", "商家账号被冻结", 3},
	{"20000", "", "服务不可用", 8},
	{"40002", "", "非法的参数", 4},
	{"40006", "", "权限不足", 3},
})

// Huabei declines. No Huabei-specific ACQ code exists (reference 3c): a
// missing credit line arrives as NO_PAYMENT_INSTRUMENTS_AVAILABLE or
// PAYMENT_FAIL, often with the acquirer's own message text.
var huabeiDeclines = newChoice([]resp{
	{"40004", "ACQ.NO_PAYMENT_INSTRUMENTS_AVAILABLE", "没有可用的支付工具", 200},
	{"40004", "ACQ.PAYMENT_FAIL", "支付失败，花呗额度不足", 120},
	{"40004", "ACQ.PAYMENT_AUTH_CODE_INVALID", "支付授权码无效", 120},
	{"40004", "ACQ.PAYMENT_REQUEST_HAS_RISK", "支付有风险", 80},
	{"40004", "ACQ.ZM_CREDIT_AUTH_FAIL", "综合评估不通过", 60},
	{"40004", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足", 60},
	{"40004", "ACQ.SYSTEM_ERROR", "系统异常", 60},
	{"40004", "ACQ.MERCHANT_AGREEMENT_NOT_EXIST", "商户协议不存在", 40},
	{"40004", "ACQ.UN_SUPPORT_TRADE_SCENE", "不支持该交易场景", 30},
	{"40004", "ACQ.BUYER_ENABLE_STATUS_FORBID", "买家状态非法", 30},
	{"40004", "ACQ.TOTAL_FEE_EXCEED", "订单总金额超过限额", 20},
	{"40004", "ACQ.INVALID_PARAMETER", "参数无效", 10},
	{"40004", "ACQ.RESTRICTED_MERCHANT_INDUSTRY", "行业信息交易受限", 10},
	{"20000", "", "服务不可用", 5},
})

// What a merchant that never enabled Huabei gets.
var huabeiNotEnabled = newChoice([]resp{
	{"40004", "ACQ.MERCHANT_AGREEMENT_NOT_EXIST", "商户协议不存在", 6},
	{"40004", "ACQ.UN_SUPPORT_TRADE_SCENE", "不支持该交易场景", 2},
	{"40004", "ACQ.ACCESS_FORBIDDEN", "无权限使用接口", 1},
})

// WeChat micropay declines: FAIL + err_code + err_code_des.
var wechatDeclines = newChoice([]resp{
	{"FAIL", "NOTENOUGH", "余额不足", 280},
	{"FAIL", "AUTHCODEEXPIRE", "二维码已过期，请用户在微信上刷新后再试", 150},
	{"FAIL", "SYSTEMERROR", "系统错误", 80},
	{"FAIL", "AUTH_CODE_INVALID", "101 付款码已过期", 30},
	{"FAIL", "AUTH_CODE_INVALID", "授权码检验错误", 20},
	{"FAIL", "BANKERROR", "银行系统异常", 40},
	{"FAIL", "TRADE_ERROR", "交易错误", 40},
	{"FAIL", "AUTH_CODE_ERROR", "授权码参数错误", 30},
	{"FAIL", "NOTSUPORTCARD", "不支持卡类型", 30},
	{"FAIL", "ORDERPAID", "订单已支付", 20},
	{"FAIL", "RULELIMIT", "交易金额或次数超出限制", 10},
	{"FAIL", "NOAUTH", "商户无此接口权限", 10},
	{"FAIL", "PARAM_ERROR", "参数错误", 10},
	{"FAIL", "ORDERCLOSED", "订单已关闭", 10},
	{"FAIL", "BUYER_MISMATCH", "支付帐号错误", 5},
	{"FAIL", "OUT_TRADE_NO_USED", "商户订单号重复", 5},
	{"FAIL", "SIGNERROR", "签名错误", 3},
})

// UnionPay QR (云闪付) declines.
var upqrDeclines = newChoice([]resp{
	{"51", "", "余额不足", 300},
	{"02", "", "二维码已失效，请刷新", 100},
	{"61", "", "超出金额限制", 80},
	{"98", "", "交易超时", 60},
	{"05", "", "持卡人认证失败", 50},
	{"92", "", "网络错误", 50},
	{"96", "", "银联系统异常", 40},
	{"57", "", "不允许持卡人进行的交易", 40},
	{"91", "", "发卡行系统错误", 30},
	{"71", "", "发卡行拒绝", 30},
	{"21", "", "卡状态异常", 20},
	{"99", "", "其他错误", 20},
	{"94", "", "重复交易", 10},
	{"78", "", "重复请求", 10},
})

// Declines of voids, refunds and reversals: the original is missing or
// the window has passed.
var nonPurchaseDeclines = [numPM]*choice{
	pmHuabei:     newChoice([]resp{{"40004", "ACQ.TRADE_NOT_EXIST", "交易不存在", 2}, {"40004", "ACQ.TRADE_HAS_CLOSE", "交易已经关闭", 1}}),
	pmAlipay:     newChoice([]resp{{"40004", "ACQ.TRADE_NOT_EXIST", "交易不存在", 2}, {"40004", "ACQ.TRADE_CANCEL_TIME_OUT", "超过撤销时间范围", 1}}),
	pmWechat:     newChoice([]resp{{"FAIL", "ORDERNOTEXIST", "此交易订单号不存在", 2}, {"FAIL", "REVERSE_EXPIRE", "订单无法撤销", 1}}),
	pmUnionPayQR: newChoice([]resp{{"25", "", "找不到原始交易", 1}}),
	pmCredit:     newChoice([]resp{{"25", "", "找不到原始交易", 2}, {"12", "", "无效交易", 1}, {"22", "", "操作有误，或超出交易允许天数", 1}}),
	pmDebit:      newChoice([]resp{{"25", "", "找不到原始交易", 2}, {"12", "", "无效交易", 1}, {"22", "", "操作有误，或超出交易允许天数", 1}}),
}

// Message-only rows: the acquirer lost the code and kept the text.
var messageOnly = newChoice([]resp{
	{"", "", "交易超时", 5},
	{"", "", "系统繁忙，请稍后重试", 3},
	{"", "", "网络异常", 2},
	{"", "", "交易失败", 2},
})

// Specific situations.
var (
	incidentResp  = resp{"58", "", "不允许终端进行的交易", 1}
	dayEndResp    = newChoice([]resp{{"96", "", "拒绝，交换中心异常，请稍后重试", 2}, {"90", "", "系统日切，请稍后重试", 3}})
	macResp       = resp{"A0", "", "MAC校验错，请重新签到", 1}
	cardTimeouts  = newChoice([]resp{{"68", "", "交易超时，请重试", 3}, {"98", "", "发卡方超时", 1}})
	qrTimeout     = resp{"", "", "交易超时", 1}
	upqrTimeout   = resp{"98", "", "交易超时", 1}
	wechatNoAuth  = resp{"FAIL", "NOAUTH", "商户无此接口权限", 1}
	alipayRisk    = resp{"40004", "ACQ.PAYMENT_REQUEST_HAS_RISK", "支付有风险", 1}
	alipayTimeout = resp{"40004", "ACQ.SYSTEM_ERROR", "系统异常", 1}
	wechatTimeout = resp{"FAIL", "SYSTEMERROR", "系统错误", 1}
)
