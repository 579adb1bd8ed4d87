package record

// Outcome is what became of one purchase: approved, pending, or declined
// for a cause. The ids are part of the output contract (see
// shared/design/causes.md): never rename one, only append.
type Outcome uint8

const (
	Approved Outcome = iota
	Pending
	SystemMaintenance
	TerminalIncompatible
	TerminalFault
	InterfaceIntegration
	Network
	MerchantNotEnabled
	MerchantQualification
	RiskControl
	IndustryRegionRestriction
	RegulatoryPolicy
	ConsumerAccount
	ConsumerCredit
	OperatorError
	Security
	Unknown
	NumOutcomes
)

var outcomeIDs = [NumOutcomes]string{
	"approved", "pending",
	"system_maintenance", "terminal_incompatible", "terminal_fault",
	"interface_integration", "network", "merchant_not_enabled",
	"merchant_qualification", "risk_control", "industry_region_restriction",
	"regulatory_policy", "consumer_account", "consumer_credit",
	"operator_error", "security", "unknown",
}

// String returns the stable id.
func (o Outcome) String() string {
	if o < NumOutcomes {
		return outcomeIDs[o]
	}
	return "unknown"
}

// IsDecline reports whether the outcome is a cause, not approved or pending.
func (o Outcome) IsDecline() bool { return o >= SystemMaintenance && o < NumOutcomes }

// OutcomeByID returns the outcome with the given stable id.
func OutcomeByID(id string) (Outcome, bool) {
	for i, s := range outcomeIDs {
		if s == id {
			return Outcome(i), true
		}
	}
	return 0, false
}

// Causes lists the decline causes in catalogue order.
func Causes() []Outcome {
	out := make([]Outcome, 0, NumOutcomes-SystemMaintenance)
	for o := SystemMaintenance; o < NumOutcomes; o++ {
		out = append(out, o)
	}
	return out
}

// Namespace is the code space a response code is read in, since the same
// code means different things in different namespaces.
type Namespace uint8

const (
	NSNone Namespace = iota
	NSISO8583
	NSCUP
	NSUPIQR
	NSAlipay
	NSWechat
	NumNamespaces
)

var nsNames = [NumNamespaces]string{"", "iso8583", "cup", "upi_qr", "alipay", "wechat"}

func (n Namespace) String() string {
	if n < NumNamespaces {
		return nsNames[n]
	}
	return ""
}

// NamespaceByName returns the namespace with the given name ("" is NSNone).
func NamespaceByName(s string) (Namespace, bool) {
	for i, n := range nsNames {
		if n == s {
			return Namespace(i), true
		}
	}
	return 0, false
}
