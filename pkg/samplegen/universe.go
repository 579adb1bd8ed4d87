package samplegen

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

type merchant struct {
	id, name string
	mcc      *mccInfo
	province string
	terms    []int // indexes into universe.terms

	pmCum      [numPM]uint32 // cumulative payment-method weights
	declineMul float64       // this merchant's decline propensity

	huabeiOff   bool // never enabled Huabei
	wechatNoAut bool // WeChat micropay permission missing
	risky       bool // flagged by Alipay risk control
}

type terminal struct {
	id, model, firmware string
	incidentProne       bool // ME31, firmware < 2.4, 广东
	macIssue            bool // keys out of sync: A0 on card payments
	netBad              bool // weak 4G: timeouts
}

type universe struct {
	merchants []merchant
	terms     []terminal
	cum       []uint64 // cumulative merchant weights (busier first)
}

// Base payment-method weights before the merchant's credit-card factor.
var basePM = [numPM]int{pmHuabei: 10, pmAlipay: 26, pmWechat: 36, pmUnionPayQR: 6, pmCredit: 10, pmDebit: 12}

// newUniverse draws n merchants. Merchant 0 is the busiest: a 广东 chain of
// Newland ME31 terminals, mostly on old firmware, so the planted incident
// shows even in small files. Merchant 1 has a comma in its name, merchant 2
// a quoted word.
func newUniverse(r *rand.Rand, n int, seed uint64) *universe {
	u := &universe{merchants: make([]merchant, n), cum: make([]uint64, n)}
	cityCum := cumInts(len(cities), func(i int) int { return cities[i].weight })
	mccCum := cumInts(len(mccs), func(i int) int { return mccs[i].weight })
	modelCum := cumInts(len(models), func(i int) int { return models[i].weight })
	gdModelCum := cumInts(len(models), func(i int) int {
		if models[i].name == modelME31 {
			return models[i].weight * 4
		}
		return models[i].weight
	})
	termOff := int(seed % 7919)
	var total uint64
	for i := range u.merchants {
		m := &u.merchants[i]
		c := &cities[pickCum(r, cityCum)]
		m.mcc = &mccs[pickCum(r, mccCum)]
		if i == 0 {
			c, m.mcc = &cities[0], &mccs[0] // 广州, 5411
		}
		m.province = c.province
		district := c.districts[r.IntN(len(c.districts))]
		word := shopWords[r.IntN(len(shopWords))]
		suffix := m.mcc.suffixes[r.IntN(len(m.mcc.suffixes))]
		prefix := c.name + "市" + district
		switch {
		case i == 2:
			m.name = prefix + `"` + word + `"` + suffix
		case i == 1 || i%37 == 5:
			m.name = prefix + word + suffix + "," + branchWords[r.IntN(len(branchWords))]
		default:
			m.name = prefix + word + suffix
		}
		if n <= 10000 {
			m.id = "898" + c.area + m.mcc.code + pad4(i) // 15 digits, like UnionPay merchant numbers
		} else {
			m.id = "898" + c.area + m.mcc.code + padN(i, 7) // unique up to 10M merchants
		}

		for p := range numPM {
			w := basePM[p]
			if p == pmCredit {
				w = w * m.mcc.creditMul / 100
			}
			if p > 0 {
				m.pmCum[p] = m.pmCum[p-1]
			}
			m.pmCum[p] += uint32(w)
		}
		m.declineMul = math.Exp(0.25 * r.NormFloat64())
		m.huabeiOff = i > 0 && r.IntN(100) < 6
		m.wechatNoAut = i > 0 && r.IntN(100) < 3
		m.risky = i > 0 && r.IntN(100) < 2

		nterm := 1
		for nterm < 8 && r.IntN(100) < 45 {
			nterm++
		}
		if i < 10 {
			nterm += 4 - i/3
		}
		if i == 0 {
			nterm = 24
		}
		for k := range nterm {
			var t terminal
			idx := len(u.terms)
			t.id = strconv.Itoa(10000000 + (idx*7919+termOff)%90000000)
			var md *model
			switch {
			case i == 0:
				md = me31()
			case c.province == "广东":
				md = &models[pickCum(r, gdModelCum)]
			default:
				md = &models[pickCum(r, modelCum)]
			}
			t.model = md.name
			t.firmware = md.firmwares[r.IntN(len(md.firmwares))]
			if i == 0 {
				t.firmware = md.firmwares[[]int{0, 0, 0, 0, 1, 2}[k%6]]
			} else if md.name == modelME31 && r.IntN(100) < 30 {
				t.firmware = md.firmwares[r.IntN(2)] // old firmware lingers
			}
			t.incidentProne = md.name == modelME31 && c.province == "广东" && firmwareBelow(t.firmware, 2, 4)
			t.macIssue = r.IntN(1000) < 15
			t.netBad = r.IntN(100) < 4
			m.terms = append(m.terms, idx)
			u.terms = append(u.terms, t)
		}

		total += uint64(1e6 / math.Pow(float64(i+1), 0.8))
		u.cum[i] = total
	}
	return u
}

// firmwareBelow reports whether a "major.minor.patch" version is below
// major.minor.
func firmwareBelow(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return a < major || a == major && b < minor
}

func pad4(n int) string { return padN(n, 4) }

func padN(n, width int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", max(0, width-len(s))) + s
}

func cumInts(n int, w func(int) int) []uint32 {
	out := make([]uint32, n)
	var t uint32
	for i := range n {
		t += uint32(w(i))
		out[i] = t
	}
	return out
}

func pickCum(r *rand.Rand, cum []uint32) int {
	x := r.Uint32N(cum[len(cum)-1])
	for i, t := range cum {
		if x < t {
			return i
		}
	}
	return len(cum) - 1
}

// pickMerchant draws a merchant by weight (binary search: there may be
// thousands).
func (u *universe) pickMerchant(r *rand.Rand) *merchant {
	x := r.Uint64N(u.cum[len(u.cum)-1])
	lo, hi := 0, len(u.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if x < u.cum[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return &u.merchants[lo]
}

func me31() *model {
	for i := range models {
		if models[i].name == modelME31 {
			return &models[i]
		}
	}
	panic("samplegen: no " + modelME31 + " in models")
}
