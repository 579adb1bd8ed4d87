package pipeline

import (
	"context"
	"errors"
	"sync"

	"github.com/zeebo/xxh3"

	"github.com/payops/analyze/pkg/record"
)

// sequencer restores input order. It is the only goroutine that touches
// the result counters, the dedup set and the reject stream.
type sequencer struct {
	opts      *Options
	res       *Result
	aggChs    []chan aggMsg
	next      int // round-robin aggregator
	ids       *idSet
	fileSlots chan struct{}
	permits   []chan struct{}
	cancels   []context.CancelFunc // stop a file's reader

	// per current file, only under SkipBadFiles
	fileIDs     []uint64
	fileRejects []*record.Error
	fileCounts  counts
}

type counts struct {
	read, classified, rejected, filtered, dups, pans int64
	unknown                                          map[record.Field]map[string]int
}

type partKey struct{ file, part int }

func (s *sequencer) run(ctx context.Context, nfiles int, doneCh <-chan partMsg, endCh <-chan fileEnd) error {
	held := map[partKey]partMsg{}
	ends := map[int]fileEnd{}
	file, part := 0, 0
	for file < nfiles {
		// Take what is next in order, if it has arrived.
		if m, ok := held[partKey{file, part}]; ok {
			delete(held, partKey{file, part})
			<-s.permits[file]
			if m.err != nil {
				if err := s.fileFault(file, m.err); err != nil {
					return err
				}
				file, part = s.finishFile(file, held, ends, false)
				continue
			}
			if m.rowsHint > 0 && !s.opts.NoDedup {
				// Growing the set shard by shard cost 0.3 s of CPU over
				// 5M ids: size it for the file at once.
				s.ids.reserve(s.ids.len() + int(m.rowsHint))
			}
			if err := s.consume(ctx, file, m.batches, m.idHashes); err != nil {
				return err
			}
			part++
			continue
		}
		if e, ok := ends[file]; ok && (e.parts == part || e.err != nil && e.parts <= part) {
			s.res.Inputs[file].Path = e.info.Path
			s.res.Inputs[file].Format = e.info.Format
			if e.err != nil {
				if err := s.fileFault(file, e.err); err != nil {
					return err
				}
				file, part = s.finishFile(file, held, ends, false)
				continue
			}
			s.res.Inputs[file].Size, s.res.Inputs[file].SHA256 = e.info.Size, e.info.SHA256
			file, part = s.finishFile(file, held, ends, true)
			continue
		}
		select {
		case m, ok := <-doneCh:
			if !ok {
				doneCh = nil // only file ends can still come
				continue
			}
			if m.file >= file { // parts of a file already given up are dropped
				held[partKey{m.file, m.part}] = m
			}
		case e := <-endCh:
			if e.file >= file {
				ends[e.file] = e
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// fileFault either fails the run or marks the file skipped.
func (s *sequencer) fileFault(file int, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var re *record.Error
	if errors.As(err, &re) && re.File == "" {
		re.File = s.opts.Inputs[file].Path
	}
	if !s.opts.SkipBadFiles {
		return err
	}
	s.res.Inputs[file].Path = s.opts.Inputs[file].Path
	s.res.Inputs[file].Err = err
	s.res.Skipped++
	return nil
}

// finishFile commits or drops the current file's staged work, stops its
// reader, frees its slot and moves on to the next file.
func (s *sequencer) finishFile(file int, held map[partKey]partMsg, ends map[int]fileEnd, ok bool) (int, int) {
	if s.opts.SkipBadFiles {
		for _, c := range s.aggChs {
			if ok {
				c <- aggMsg{commit: file + 1}
			} else {
				c <- aggMsg{commit: -file - 1}
			}
		}
		if ok {
			s.addCounts(file, s.fileCounts)
			for _, r := range s.fileRejects {
				if s.opts.OnReject != nil {
					s.opts.OnReject(r)
				}
			}
		} else {
			for _, h := range s.fileIDs {
				s.ids.remove(h)
			}
		}
		s.fileIDs, s.fileRejects, s.fileCounts = s.fileIDs[:0], nil, counts{}
	}
	for k := range held {
		if k.file == file {
			delete(held, k)
		}
	}
	delete(ends, file)
	s.cancels[file]()
	<-s.fileSlots
	return file + 1, 0
}

func (s *sequencer) addCounts(file int, c counts) {
	s.res.RowsRead += c.read
	s.res.Classified += c.classified
	s.res.Rejected += c.rejected
	s.res.Filtered += c.filtered
	s.res.PANsFound += c.pans
	s.res.Duplicates += c.dups
	s.res.Inputs[file].Rows += c.read
	for f, m := range c.unknown {
		name := f.String()
		if s.res.Unknown[name] == nil {
			s.res.Unknown[name] = map[string]int{}
		}
		for v, n := range m {
			s.res.Unknown[name][v] += n
		}
	}
}

// consume counts, dedups and forwards one part's batches.
func (s *sequencer) consume(ctx context.Context, file int, batches []*record.Batch, idHashes [][]uint64) error {
	stage := s.opts.SkipBadFiles
	for bi, b := range batches {
		if s.opts.RowsDone != nil {
			s.opts.RowsDone.Add(int64(b.Read))
		}
		c := counts{read: int64(b.Read), classified: int64(b.Len), rejected: int64(len(b.Rejects)), filtered: int64(b.Filtered), pans: int64(b.PANs), unknown: b.Misses}
		if idHashes != nil && idHashes[bi] != nil {
			c.dups = s.dedup(b, idHashes[bi], stage)
			putHashes(idHashes[bi])
		}
		if stage {
			s.fileCounts.read += c.read
			s.fileCounts.classified += c.classified
			s.fileCounts.rejected += c.rejected
			s.fileCounts.filtered += c.filtered
			s.fileCounts.pans += c.pans
			s.fileCounts.dups += c.dups
			for f, m := range c.unknown {
				if s.fileCounts.unknown == nil {
					s.fileCounts.unknown = map[record.Field]map[string]int{}
				}
				if s.fileCounts.unknown[f] == nil {
					s.fileCounts.unknown[f] = map[string]int{}
				}
				for v, n := range m {
					s.fileCounts.unknown[f][v] += n
				}
			}
			s.fileRejects = append(s.fileRejects, b.Rejects...)
		} else {
			s.addCounts(file, c)
			if s.opts.OnReject != nil {
				for _, r := range b.Rejects {
					if err := s.opts.OnReject(r); err != nil {
						return err
					}
				}
			}
		}
		msg := aggMsg{b: b, file: -1}
		if stage {
			msg.file = file
		}
		select {
		case s.aggChs[s.next] <- msg:
		case <-ctx.Done():
			return ctx.Err()
		}
		s.next = (s.next + 1) % len(s.aggChs)
	}
	return nil
}

// hashIDs computes, on a worker, the dedup hash of every row that has a
// txn_id, so the sequencer only has to look them up.
func hashIDs(bs []*record.Batch) [][]uint64 {
	out := make([][]uint64, len(bs))
	for bi, b := range bs {
		ids := b.Text[record.TxnID]
		if ids == nil {
			continue
		}
		hs := getHashes(len(ids)) // recycled: every entry is set
		for i, id := range ids {
			hs[i] = 0
			if id != "" {
				hs[i] = hashID(id, b.Kind[i])
			}
		}
		out[bi] = hs
	}
	return out
}

// hashPool recycles the per-batch hash slices between the workers and
// the sequencer (40 MB of garbage per 5M rows otherwise).
var hashPool sync.Pool

func getHashes(n int) []uint64 {
	if p, _ := hashPool.Get().(*[]uint64); p != nil && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]uint64, n, n+n/4) // parts vary in rows: room for a few more
}

func putHashes(hs []uint64) { hashPool.Put(&hs) }

// dedup marks repeated (txn_type, txn_id) pairs; the first in input order
// counts. Rows without an id (hash 0) are never duplicates.
func (s *sequencer) dedup(b *record.Batch, hashes []uint64, stage bool) int64 {
	var n int64
	for c0 := 0; c0 < len(hashes); c0 += touchChunk {
		chunk := hashes[c0:min(c0+touchChunk, len(hashes))]
		s.ids.touch(chunk)
		for j, h := range chunk {
			if h == 0 {
				continue
			}
			if s.ids.add(h) {
				if stage {
					s.fileIDs = append(s.fileIDs, h)
				}
				continue
			}
			if b.Dup == nil {
				b.Dup = make([]bool, b.Len)
			}
			b.Dup[c0+j] = true
			n++
		}
	}
	return n
}

// hashID is XXH3 of the id, seeded with the kind; its bits are uniform
// enough for the set to take the shard from the top and the slot from the
// bottom. A false duplicate needs a 64-bit collision: about 1 in 10^7 for
// a billion distinct ids. (FNV-1a, a multiply per byte, cost five times
// as much.)
func hashID(id string, k record.TxnKind) uint64 {
	h := xxh3.HashStringSeed(id, uint64(k))
	if h == 0 {
		h = 1 // 0 means "no id"
	}
	return h
}
