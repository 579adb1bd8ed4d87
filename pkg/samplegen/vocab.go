package samplegen

// Columns are the canonical header names, in the order they are written.
var Columns = []string{
	"txn_time", "txn_id", "merchant_id", "merchant_name", "mcc", "region",
	"terminal_id", "terminal_model", "terminal_firmware", "channel",
	"payment_method", "txn_type", "amount", "currency", "resp_code",
	"resp_subcode", "resp_msg", "pan",
}

// ChineseColumns are the headers of the chinese variant, index for index
// with Columns.
var ChineseColumns = []string{
	"交易时间", "交易流水号", "商户号", "商户名称", "商户类别码", "地区",
	"终端号", "终端型号", "固件版本", "交易渠道",
	"支付方式", "交易类型", "交易金额", "币种", "应答码",
	"错误子码", "应答信息", "卡号",
}

// Column indexes.
const (
	colTime = iota
	colTxnID
	colMerchantID
	colMerchantName
	colMCC
	colRegion
	colTerminalID
	colTerminalModel
	colFirmware
	colChannel
	colPaymentMethod
	colTxnType
	colAmount
	colCurrency
	colRespCode
	colRespSubcode
	colRespMsg
	colPAN
	numCols
)

// term is one vocabulary value in both variants.
type term struct{ canonical, chinese string }

func (t term) in(chinese bool) string {
	if chinese {
		return t.chinese
	}
	return t.canonical
}

// Channels.
const (
	chSwipe = iota
	chChip
	chContactless
	chQRScan
	chQRPresent
)

var channels = []term{
	chSwipe:       {"card_swipe", "刷卡"},
	chChip:        {"card_chip", "插卡"},
	chContactless: {"contactless", "挥卡"},
	chQRScan:      {"qr_scan", "被扫"},
	chQRPresent:   {"qr_present", "主扫"},
}

// Payment methods.
const (
	pmHuabei = iota
	pmAlipay
	pmWechat
	pmUnionPayQR
	pmCredit
	pmDebit
	numPM
)

var paymentMethods = []term{
	pmHuabei:     {"huabei", "花呗"},
	pmAlipay:     {"alipay_balance", "支付宝"},
	pmWechat:     {"wechat", "微信"},
	pmUnionPayQR: {"unionpay_qr", "云闪付"},
	pmCredit:     {"credit_card", "信用卡"},
	pmDebit:      {"debit_card", "借记卡"},
}

func isCard(pm int) bool { return pm == pmCredit || pm == pmDebit }

// Transaction types.
const (
	kPurchase = iota
	kVoid
	kRefund
	kReversal
)

var txnTypes = []term{
	kPurchase: {"purchase", "消费"},
	kVoid:     {"void", "撤销"},
	kRefund:   {"refund", "退货"},
	kReversal: {"reversal", "冲正"},
}

var currencyCNY = term{"CNY", "156"}

// city is a city with its province (the region column), its four-digit
// UnionPay area code (in merchant ids) and some districts.
type city struct {
	province, name, area string
	districts            []string
	weight               int
}

// The 广东 cities carry a quarter of the merchants: the planted incident
// lives there.
var cities = []city{
	{"广东", "广州", "5810", []string{"天河区", "越秀区", "海珠区", "白云区", "番禺区"}, 9},
	{"广东", "深圳", "5840", []string{"南山区", "福田区", "罗湖区", "宝安区", "龙岗区"}, 8},
	{"广东", "东莞", "6020", []string{"南城街道", "莞城街道", "虎门镇", "长安镇"}, 4},
	{"广东", "佛山", "5880", []string{"禅城区", "南海区", "顺德区"}, 4},
	{"浙江", "杭州", "3310", []string{"西湖区", "上城区", "拱墅区", "滨江区"}, 7},
	{"浙江", "宁波", "3320", []string{"海曙区", "鄞州区", "江北区"}, 4},
	{"江苏", "南京", "3010", []string{"鼓楼区", "玄武区", "秦淮区"}, 5},
	{"江苏", "苏州", "3050", []string{"姑苏区", "吴中区", "相城区"}, 5},
	{"上海", "上海", "2900", []string{"黄浦区", "徐汇区", "浦东新区", "静安区"}, 8},
	{"北京", "北京", "1000", []string{"朝阳区", "海淀区", "东城区", "西城区"}, 8},
	{"四川", "成都", "6510", []string{"锦江区", "武侯区", "青羊区"}, 6},
	{"湖北", "武汉", "5210", []string{"江汉区", "武昌区", "洪山区"}, 5},
	{"湖南", "长沙", "5510", []string{"芙蓉区", "岳麓区", "天心区"}, 4},
	{"福建", "福州", "3910", []string{"鼓楼区", "台江区"}, 3},
	{"福建", "厦门", "3930", []string{"思明区", "湖里区"}, 3},
	{"陕西", "西安", "7910", []string{"雁塔区", "碑林区", "未央区"}, 4},
	{"山东", "济南", "4510", []string{"历下区", "市中区"}, 3},
	{"山东", "青岛", "4520", []string{"市南区", "崂山区"}, 3},
}

// mccInfo is a merchant category: the shop name suffixes, the amount
// distribution (median in yuan, log-normal sigma) and how often its payers
// use a credit card.
type mccInfo struct {
	code      string
	suffixes  []string
	median    float64
	sigma     float64
	round     int // percent of amounts that are whole yuan
	weight    int
	creditMul int // percent of the base credit-card weight
}

var mccs = []mccInfo{
	{"5411", []string{"便利店", "超市", "生活超市"}, 28, 0.8, 20, 22, 60},
	{"5812", []string{"餐厅", "饭店", "酒家", "茶餐厅", "火锅店"}, 85, 0.7, 55, 20, 100},
	{"5814", []string{"快餐店", "面馆", "包子铺"}, 32, 0.5, 60, 12, 40},
	{"5999", []string{"杂货店", "日用品商行", "精品店"}, 60, 0.9, 40, 10, 80},
	{"5912", []string{"大药房", "药店"}, 65, 0.8, 20, 6, 90},
	{"5691", []string{"服装店", "服饰店"}, 300, 0.7, 70, 6, 160},
	{"5311", []string{"百货商场", "购物中心"}, 220, 1.0, 30, 4, 180},
	{"5732", []string{"电器商行", "数码城"}, 1500, 0.9, 80, 4, 260},
	{"7011", []string{"酒店", "宾馆", "商务酒店"}, 380, 0.5, 85, 4, 300},
	{"4121", []string{"出租汽车有限公司"}, 35, 0.5, 10, 4, 30},
	{"5541", []string{"加油站"}, 260, 0.4, 60, 3, 150},
}

var shopWords = []string{
	"佳惠", "鑫源", "永发", "顺达", "金桥", "益民", "惠民", "富源", "宏达", "康乐",
	"兴隆", "和顺", "万家", "好运来", "新时代", "百姓", "阳光", "家家乐", "旺角", "福缘",
	"聚福", "老街坊", "一品", "四季", "丰泰", "恒信", "嘉禾", "同心", "瑞丰", "德昌",
	"某某", "某某",
}

var branchWords = []string{"体育西路店", "科技园店", "文三路店", "中山路店", "火车站店", "万达店", "大学城店", "人民路店"}

// model is a terminal model with its firmware versions.
type model struct {
	name      string
	firmwares []string
	weight    int
}

const modelME31 = "Newland ME31"

var models = []model{
	{"PAX A920", []string{"3.1.0", "3.2.2", "3.3.0"}, 18},
	{"PAX S90", []string{"1.8.6", "1.9.2"}, 11},
	{modelME31, []string{"2.3.1", "2.3.5", "2.4.0", "2.4.2"}, 15},
	{"Newland N910", []string{"2.3.8", "2.4.1", "2.5.0"}, 12},
	{"Centerm C960", []string{"5.0.3", "5.1.0"}, 8},
	{"Lakala LKL-P8", []string{"1.2.0", "1.3.1"}, 10},
	{"Sunmi P2", []string{"2.4.0", "2.6.3"}, 12},
}

// Card BINs for masked PANs (first six digits of common Chinese cards).
var (
	debitBINs  = []string{"622202", "621700", "622848", "621483", "622262", "621661"}
	creditBINs = []string{"622588", "625809", "628258", "622155", "625965"}
)

// TestPANs are the unmasked card numbers written into a few card rows: all
// zeros in the middle so nobody mistakes them for real cards, and
// Luhn-valid so a masker that checks Luhn still catches them.
var TestPANs = func() []string {
	bases := []string{"622202000000000", "621700000000000", "622588000000000", "621483000012345"}
	out := make([]string, len(bases))
	for i, b := range bases {
		out[i] = b + string(rune('0'+luhnCheck(b)))
	}
	return out
}()

// luhnCheck returns the check digit to append to digits.
func luhnCheck(digits string) int {
	sum := 0
	double := true // the digit left of the check digit is doubled
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}
