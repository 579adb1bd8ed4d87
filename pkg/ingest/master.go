package ingest

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// Master is a terminal or merchant master file: since exports often carry
// only ids, it fills or overrides the descriptive columns by id.
type Master struct {
	byID map[string]masterRow
}

type masterRow struct {
	model, firmware   string
	name, mcc, region string
}

// Len is the number of ids in the master file.
func (m *Master) Len() int { return len(m.byID) }

// LoadTerminals reads a CSV of terminal_id → terminal_model, terminal_firmware.
func LoadTerminals(path string, opts RawOptions) (*Master, error) {
	return loadMaster(path, opts, record.TerminalID, []record.Field{record.TerminalModel, record.TerminalFirmware})
}

// LoadMerchants reads a CSV of merchant_id → merchant_name, mcc, region.
func LoadMerchants(path string, opts RawOptions) (*Master, error) {
	return loadMaster(path, opts, record.MerchantID, []record.Field{record.MerchantName, record.MCC, record.Region})
}

func loadMaster(path string, opts RawOptions, key record.Field, fields []record.Field) (*Master, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &record.Error{Kind: record.KindUsage, File: path, Err: unwrapPath(err)}
	}
	defer f.Close()
	rr, err := NewRawReader(path, f, opts)
	if err != nil {
		return nil, err
	}
	headers, _, err := rr.Read()
	if err == io.EOF {
		return nil, &record.Error{Kind: record.KindUsage, File: path, Err: fmt.Errorf("empty master file: expected a header with %s", key)}
	}
	if err != nil {
		return nil, err
	}
	m, err := MapHeader(path, headers, nil, []record.Field{key})
	if err != nil {
		return nil, err
	}
	found := false
	for _, fl := range fields {
		found = found || m.Has(fl)
	}
	if !found {
		return nil, &record.Error{Kind: record.KindUsage, File: path, Err: fmt.Errorf("master file has none of the columns it could fill (%s); headers found: %s", fieldList(fields), strings.Join(headers, ", "))}
	}
	ms := &Master{byID: make(map[string]masterRow)}
	get := func(rec []string, fl record.Field) string {
		if i := m.Index[fl]; i >= 0 && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for {
		rec, line, err := rr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec) != len(headers) {
			return nil, &record.Error{Kind: record.KindUsage, File: path, Line: line, Err: fmt.Errorf("wrong number of fields: expected %d, got %d", len(headers), len(rec))}
		}
		id := get(rec, key)
		if id == "" {
			continue
		}
		ms.byID[id] = masterRow{
			model: get(rec, record.TerminalModel), firmware: get(rec, record.TerminalFirmware),
			name: get(rec, record.MerchantName), mcc: get(rec, record.MCC), region: get(rec, record.Region),
		}
	}
	return ms, nil
}

func fieldList(fs []record.Field) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.String())
	}
	return strings.Join(s, ", ")
}
