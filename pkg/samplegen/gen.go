package samplegen

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"time"
)

// Malformed row kinds, in the order they cycle.
const (
	badNone = iota
	badRagged
	badAmountSyntax
	badTime
	badNoMerchant
	badDecimals
	badNegative
	numBad = badNegative
)

// row is one transaction before formatting. Strings point into the static
// tables or the universe, so filling a row allocates nothing.
type row struct {
	t      int64 // Unix seconds
	txnID  [20]byte
	m      *merchant
	term   *terminal
	ch, pm int
	kind   int
	amount int64 // fen
	code   string
	sub    string
	msg    string
	pan    [16]byte
	panLen int // 0: no card number; 16: pan holds one
	bad    int

	attempt int // follow-ups of the incident: 0 first try, 1.. retries
}

// gen produces the rows of one Options in order.
type gen struct {
	o   Options
	r   *rand.Rand
	u   *universe
	loc *time.Location

	start   int64     // Unix seconds of Options.Start
	weights []float64 // volume weight per minute of the span
	cum     []float64 // running sum of weights
	minute  int       // the clock's position in cum (it only moves forward)

	incStart, incEnd       int64 // the planted incident
	dayEndStart, dayEndEnd int64 // CUP day-end window

	i        int // next row index
	nextBad  int // index of the next malformed row, or -1
	badCount int
	queue    []row // retries and payment-method switches still to emit
	last     row
	haveLast bool

	tcKey    int64 // minute (Unix/60) of the cached prefix
	tcPrefix [17]byte
	tcDate   [8]byte
}

// Hourly volume shape of a day of card-present retail (relative units).
var hourly = [24]float64{
	0.25, 0.15, 0.10, 0.08, 0.08, 0.12, 0.30, 0.70, 1.00, 1.00, 1.10, 1.50,
	1.80, 1.40, 1.20, 1.10, 1.20, 1.60, 1.90, 1.80, 1.50, 1.20, 0.80, 0.45,
}

// Base decline probability per payment method (before the merchant's
// factor and the situations of decide).
var baseDecline = [numPM]float64{
	pmHuabei: 0.24, pmAlipay: 0.12, pmWechat: 0.11, pmUnionPayQR: 0.15, pmCredit: 0.12, pmDebit: 0.14,
}

func newGen(o Options) *gen {
	// Two seeds for PCG: the user's and a fixed odd constant, so that seed
	// 0 is as good as any other.
	r := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	g := &gen{o: o, r: r, loc: o.Start.Location(), start: o.Start.Unix(), tcKey: math.MinInt64}
	g.u = newUniverse(r, o.Merchants, o.Seed)

	n := int(o.Span / time.Minute)
	g.weights = make([]float64, n)
	g.cum = make([]float64, n)
	var sum float64
	for m := range n {
		h := time.Unix(g.start+int64(m)*60, 0).In(g.loc).Hour()
		g.weights[m] = hourly[h]
		sum += hourly[h]
		g.cum[m] = sum
	}

	g.incStart = nextClock(o.Start, 14, 0).Unix()
	g.incEnd = g.incStart + 3600
	g.dayEndStart = nextClock(o.Start, 23, 0).Unix()
	g.dayEndEnd = g.dayEndStart + 20*60

	g.nextBad = -1
	if o.Malformed > 0 {
		g.nextBad = g.badPos(0)
	}
	return g
}

// nextClock returns the first hh:mm at or after t, in t's zone.
func nextClock(t time.Time, hh, mm int) time.Time {
	c := time.Date(t.Year(), t.Month(), t.Day(), hh, mm, 0, 0, t.Location())
	if c.Before(t) {
		c = time.Date(t.Year(), t.Month(), t.Day()+1, hh, mm, 0, 0, t.Location())
	}
	return c
}

// badPos spreads the malformed rows evenly over the file.
func (g *gen) badPos(k int) int {
	return int(int64(k+1) * int64(g.o.Rows) / int64(g.o.Malformed+1))
}

// next fills r with the next row. It must be called exactly Options.Rows
// times.
func (g *gen) next(r *row) {
	i := g.i
	g.i++
	switch {
	case i == g.nextBad:
		g.regular(r, i, true)
		g.badCount++
		r.bad = (g.badCount-1)%numBad + 1
		g.nextBad = -1
		if g.badCount < g.o.Malformed {
			g.nextBad = max(g.badPos(g.badCount), i+1)
		}
		g.haveLast = false // never duplicate a malformed row
		return
	case len(g.queue) > 0:
		*r = g.queue[0]
		g.queue = g.queue[1:]
		g.setID(r, i)
		g.decide(r)
	case g.haveLast && g.r.IntN(1000) == 0:
		*r = g.last // the same transaction exported twice
	default:
		g.regular(r, i, false)
	}
	g.last, g.haveLast = *r, true
}

// regular draws a fresh transaction at the clock's time for row i.
func (g *gen) regular(r *row, i int, purchase bool) {
	*r = row{t: g.clock(i)}
	u := g.u
	r.m = u.pickMerchant(g.r)
	r.term = &u.terms[r.m.terms[g.r.IntN(len(r.m.terms))]]
	r.pm = pickCum(g.r, r.m.pmCum[:])
	if isCard(r.pm) {
		switch x := g.r.IntN(100); {
		case x < 55:
			r.ch = chChip
		case x < 90:
			r.ch = chContactless
		default:
			r.ch = chSwipe
		}
	} else if g.r.IntN(100) < 88 {
		r.ch = chQRScan
	} else {
		r.ch = chQRPresent
	}
	if !purchase {
		switch x := g.r.IntN(1000); {
		case x < 970:
		case x < 982:
			r.kind = kVoid
		case x < 995:
			r.kind = kRefund
		default:
			r.kind = kReversal
			if !isCard(r.pm) {
				r.kind = kVoid // reversal is a card-network message
			}
		}
	}
	r.amount = g.amount(r.m.mcc)
	g.cardNumber(r)
	g.setID(r, i)
	g.decide(r)
}

// clock returns the time of row i: the inverse of the cumulative volume
// curve at (i+u)/Rows, so times rise with i.
func (g *gen) clock(i int) int64 {
	total := g.cum[len(g.cum)-1]
	target := (float64(i) + g.r.Float64()) / float64(g.o.Rows) * total
	for g.minute < len(g.cum)-1 && g.cum[g.minute] <= target {
		g.minute++
	}
	prev := 0.0
	if g.minute > 0 {
		prev = g.cum[g.minute-1]
	}
	sec := int64((target - prev) / g.weights[g.minute] * 60)
	sec = min(max(sec, 0), 59)
	return g.start + int64(g.minute)*60 + sec
}

func (g *gen) amount(m *mccInfo) int64 {
	y := m.median * math.Exp(m.sigma*g.r.NormFloat64())
	y = min(max(y, 0.5), 200000)
	var fen int64
	if g.r.IntN(100) < m.round {
		fen = int64(math.Round(y)) * 100
	} else {
		fen = int64(math.Round(y * 100))
	}
	return max(fen, 1)
}

func (g *gen) cardNumber(r *row) {
	var bins []string
	switch {
	case r.pm == pmCredit:
		bins = creditBINs
	case r.pm == pmDebit:
		bins = debitBINs
	case r.pm == pmUnionPayQR && g.r.IntN(2) == 0:
		bins = debitBINs
	default:
		r.panLen = 0
		return
	}
	r.panLen = 16
	if isCard(r.pm) && g.r.IntN(100) == 0 {
		copy(r.pan[:], TestPANs[g.r.IntN(len(TestPANs))])
		return
	}
	copy(r.pan[:6], bins[g.r.IntN(len(bins))])
	copy(r.pan[6:12], "******")
	last4 := g.r.IntN(10000)
	for k := 15; k >= 12; k-- {
		r.pan[k] = byte('0' + last4%10)
		last4 /= 10
	}
}

// setID writes txn_id: the local date and a 12-digit number that is a
// bijection of the row index (the multiplier is prime to 10^12), so ids
// are unique within a file but do not look sequential.
func (g *gen) setID(r *row, i int) {
	g.timeCache(r.t)
	copy(r.txnID[:8], g.tcDate[:])
	const mod = 1_000_000_000_000
	hi, lo := bits.Mul64(uint64(i)%mod, 42_470_972_311)
	_, v := bits.Div64(hi, lo, mod)
	v = (v + g.o.Seed%1_000_003) % mod
	for k := 19; k >= 8; k-- {
		r.txnID[k] = byte('0' + v%10)
		v /= 10
	}
}

// timeCache formats the minute of t once.
func (g *gen) timeCache(t int64) {
	key := floorDiv(t, 60)
	if key == g.tcKey {
		return
	}
	g.tcKey = key
	lt := time.Unix(key*60, 0).In(g.loc)
	lt.AppendFormat(g.tcPrefix[:0], "2006-01-02 15:04:")
	lt.AppendFormat(g.tcDate[:0], "20060102")
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// appendTime appends t as "2006-01-02 15:04:05" local time.
func (g *gen) appendTime(dst []byte, t int64) []byte {
	g.timeCache(t)
	s := t - g.tcKey*60
	dst = append(dst, g.tcPrefix[:]...)
	return append(dst, byte('0'+s/10), byte('0'+s%10))
}

// decide sets the response of r.
func (g *gen) decide(r *row) {
	rng := g.r
	pm := r.pm
	set := func(x *resp) { r.code, r.sub, r.msg = x.code, x.sub, x.msg }

	if r.kind != kPurchase {
		if rng.IntN(100) < 95 {
			set(&approved[pm])
		} else {
			set(nonPurchaseDeclines[pm].pick(rng))
		}
		return
	}

	card := isCard(pm)
	inIncident := r.t >= g.incStart && r.t < g.incEnd
	switch {
	case inIncident && pm == pmHuabei && r.term.incidentProne && rng.IntN(100) < 75:
		set(&incidentResp)
		g.followUp(r)
		return
	case card && r.t >= g.dayEndStart && r.t < g.dayEndEnd && rng.IntN(100) < 30:
		set(dayEndResp.pick(rng))
		return
	case card && r.term.macIssue && rng.IntN(100) < 25:
		set(&macResp)
		return
	case r.term.netBad && rng.IntN(100) < 6:
		switch {
		case card:
			set(cardTimeouts.pick(rng))
		case rng.IntN(10) < 7:
			set(&qrTimeout)
		case pm == pmWechat:
			set(&wechatTimeout)
		case pm == pmUnionPayQR:
			set(&upqrTimeout)
		default:
			set(&alipayTimeout)
		}
		return
	case pm == pmHuabei && r.m.huabeiOff && rng.IntN(100) < 85:
		set(huabeiNotEnabled.pick(rng))
		g.bareACQ(r)
		return
	case pm == pmWechat && r.m.wechatNoAut && rng.IntN(100) < 50:
		set(&wechatNoAuth)
		return
	case (pm == pmAlipay || pm == pmHuabei) && r.m.risky && rng.IntN(100) < 10:
		set(&alipayRisk)
		return
	case card && r.ch == chSwipe && rng.IntN(100) < 3:
		set(&cupFallback)
		return
	case !card && rng.IntN(1000) < 4 || card && rng.IntN(10000) < 5:
		set(&pending[pm])
		return
	}
	if rng.Float64() >= baseDecline[pm]*r.m.declineMul {
		set(&approved[pm])
		return
	}
	if rng.IntN(100) < 2 {
		set(messageOnly.pick(rng))
		return
	}
	switch pm {
	case pmHuabei:
		set(huabeiDeclines.pick(rng))
	case pmAlipay:
		set(alipayDeclines.pick(rng))
	case pmWechat:
		set(wechatDeclines.pick(rng))
	case pmUnionPayQR:
		set(upqrDeclines.pick(rng))
	default:
		set(cupDeclines.pick(rng))
	}
	g.bareACQ(r)
}

// bareACQ moves an ACQ sub-code into the code column now and then: some
// acquirers pass the upstream code through alone.
func (g *gen) bareACQ(r *row) {
	if r.code == "40004" && r.sub != "" && g.r.IntN(100) < 15 {
		r.code, r.sub = r.sub, ""
	}
}

// followUp queues what happens at the counter after an incident decline:
// the cashier retries (up to twice), and some payers switch to Alipay
// balance or WeChat.
func (g *gen) followUp(r *row) {
	if len(g.queue) > 8 {
		return
	}
	if r.attempt < 2 && g.r.IntN(100) < 60 {
		f := *r
		f.attempt++
		f.t += 15 + int64(g.r.IntN(60))
		g.queue = append(g.queue, f)
		return
	}
	if g.r.IntN(100) < 50 {
		f := *r
		f.attempt = 9
		f.t += 30 + int64(g.r.IntN(90))
		f.pm = pmAlipay
		if g.r.IntN(2) == 0 {
			f.pm = pmWechat
		}
		f.ch = chQRScan
		g.queue = append(g.queue, f)
	}
}
