package http1

import "testing"

// TestExchangeKeepsScratch checks what an exchange keeps from one request
// to the next: its scratch storage, unless the header storage outgrew
// maxKeptHdr or the output storage maxKeptOut, and nothing else.
func TestExchangeKeepsScratch(t *testing.T) {
	for _, tc := range []struct {
		hdrCap int
		kept   bool
	}{
		{hdrCap: 512, kept: true},
		{hdrCap: maxKeptHdr, kept: true},
		{hdrCap: maxKeptHdr + 1, kept: false},
	} {
		body, hdr := make([]byte, 0, commitSize), make([]byte, 0, tc.hdrCap)
		x := &exchange{exchangeState: exchangeState{c: new(conn)}}
		x.scratch = scratch{body: body, hdr: hdr, sniff: new(sniffed)}
		x.w.status = 200
		x.reset()
		if x.c != nil || x.w.status != 0 {
			t.Errorf("hdr cap %d: reset kept request state: %+v", tc.hdrCap, x)
		}
		if cap(x.scratch.body) != commitSize || x.scratch.sniff == nil {
			t.Errorf("hdr cap %d: reset dropped the body or sniff storage", tc.hdrCap)
		}
		if got := cap(x.scratch.hdr) == tc.hdrCap; got != tc.kept {
			t.Errorf("hdr cap %d: header storage kept: %v, want %v", tc.hdrCap, got, tc.kept)
		}
	}
	for _, tc := range []struct {
		outCap int
		kept   bool
	}{
		{outCap: inBufSize, kept: true},
		{outCap: maxKeptOut, kept: true},
		{outCap: maxKeptOut + 1, kept: false},
	} {
		x := &exchange{scratch: scratch{out: make([]byte, 0, tc.outCap)}}
		x.reset()
		if got := cap(x.scratch.out) == tc.outCap; got != tc.kept {
			t.Errorf("out cap %d: output storage kept: %v, want %v", tc.outCap, got, tc.kept)
		}
	}
}
