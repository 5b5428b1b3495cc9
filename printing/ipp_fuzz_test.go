package printing

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// ippResponse encodes a Get-Job-Attributes answer as CUPS sends it.
func ippResponse(status uint16, state uint32, reasons []string, message string) []byte {
	var b bytes.Buffer
	b.Write([]byte{2, 0})
	binary.Write(&b, binary.BigEndian, status)
	binary.Write(&b, binary.BigEndian, uint32(1))
	b.WriteByte(0x01)
	attr := func(tag byte, name string, value []byte) {
		b.WriteByte(tag)
		binary.Write(&b, binary.BigEndian, uint16(len(name)))
		b.WriteString(name)
		binary.Write(&b, binary.BigEndian, uint16(len(value)))
		b.Write(value)
	}
	attr(0x47, "attributes-charset", []byte("utf-8"))
	b.WriteByte(0x02) // job attributes
	attr(0x23, "job-state", binary.BigEndian.AppendUint32(nil, state))
	for i, r := range reasons {
		name := "job-state-reasons"
		if i > 0 {
			name = "" // another value of the same attribute
		}
		attr(0x44, name, []byte(r))
	}
	if message != "" {
		attr(0x41, "job-printer-state-message", []byte(message))
	}
	b.WriteByte(0x03)
	return b.Bytes()
}

// FuzzParseIPPJob (issue 12.13): the answer of the local CUPS server is read without a
// panic whatever it holds; what it accepts has a job state, reasons and a message taken
// from the answer itself (never more values than its bytes can carry), and an answer
// we encode reads back as written.
func FuzzParseIPPJob(f *testing.F) {
	f.Add(ippResponse(0, 9, []string{"job-completed-successfully"}, ""))
	f.Add(ippResponse(0, 5, []string{"none"}, "In stampa"))
	f.Add(ippResponse(0, 6, []string{"job-stopped", "printer-stopped"}, "Carta esaurita nel cassetto 1"))
	f.Add(ippResponse(0x0406, 0, nil, ""))
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 1, 0x01, 0x23, 0, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseIPPJob(b)
		if err != nil {
			if len(err.Error()) > 100 {
				t.Fatalf("an error of %d bytes: %q", len(err.Error()), err.Error())
			}
			return
		}
		if st.state == 0 {
			t.Fatal("accepted without a job state")
		}
		if len(st.reasons) > len(b)/5 {
			t.Fatalf("%d reasons from %d bytes", len(st.reasons), len(b))
		}
		if st.message != "" && !bytes.Contains(b, []byte(st.message)) {
			t.Fatalf("a message not in the answer: %q", st.message)
		}
		// The same state, reasons and message encoded again read back the same.
		msg := st.message
		back, err := parseIPPJob(ippResponse(0, uint32(st.state), st.reasons, msg))
		if err != nil || back.state != st.state || len(back.reasons) != len(st.reasons) || back.message != st.message {
			t.Fatalf("read back %+v, %v; want %+v", back, err, st)
		}
	})
}
