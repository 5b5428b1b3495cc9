package printing

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// A minimal IPP client for one question lpstat cannot answer: how did a finished job end
// (completed, canceled or aborted), and what did the printer say. RFC 8010 encoding,
// operation Get-Job-Attributes (RFC 8011 §4.3.4).

const (
	ippJobCanceled  = 7
	ippJobAborted   = 8
	ippJobCompleted = 9
)

type jobState struct {
	state   int
	reasons []string
	message string
}

// ippAddress is where the CUPS server listens, as lp would find it: the Spooler's
// Server, $CUPS_SERVER, the local socket, localhost:631.
func (s Spooler) ippAddress() (network, addr string) {
	srv := s.Server
	if srv == "" {
		srv = os.Getenv("CUPS_SERVER")
	}
	if srv == "" {
		if _, err := os.Stat("/run/cups/cups.sock"); err == nil {
			return "unix", "/run/cups/cups.sock"
		}
		srv = "localhost:631"
	}
	if strings.HasPrefix(srv, "/") {
		return "unix", srv
	}
	if _, _, err := net.SplitHostPort(srv); err != nil {
		srv = net.JoinHostPort(srv, "631")
	}
	return "tcp", srv
}

// jobState asks CUPS for the state of job id ("QUEUE-42").
func (s Spooler) jobState(ctx context.Context, id string) (jobState, error) {
	var st jobState
	i := strings.LastIndexByte(id, '-')
	n, err := strconv.Atoi(id[i+1:])
	if i < 0 || err != nil {
		return st, fmt.Errorf("numero di lavoro %q", id)
	}
	network, addr := s.ippAddress()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localhost/jobs/", bytes.NewReader(ippGetJob(n)))
	if err != nil {
		return st, err
	}
	req.Header.Set("Content-Type", "application/ipp")
	resp, err := client.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return st, err
	}
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("CUPS: HTTP %s", resp.Status)
	}
	return parseIPPJob(body)
}

// ippGetJob encodes Get-Job-Attributes for job n.
func ippGetJob(n int) []byte {
	var b bytes.Buffer
	b.Write([]byte{2, 0})                              // IPP 2.0
	binary.Write(&b, binary.BigEndian, uint16(0x0009)) // Get-Job-Attributes
	binary.Write(&b, binary.BigEndian, uint32(1))      // request id
	b.WriteByte(0x01)                                  // operation attributes
	attr := func(tag byte, name string, value []byte) {
		b.WriteByte(tag)
		binary.Write(&b, binary.BigEndian, uint16(len(name)))
		b.WriteString(name)
		binary.Write(&b, binary.BigEndian, uint16(len(value)))
		b.Write(value)
	}
	attr(0x47, "attributes-charset", []byte("utf-8"))
	attr(0x48, "attributes-natural-language", []byte("en"))
	attr(0x45, "job-uri", []byte("ipp://localhost/jobs/"+strconv.Itoa(n)))
	attr(0x42, "requesting-user-name", []byte("vivipass"))
	attr(0x44, "requested-attributes", []byte("job-state"))
	attr(0x44, "", []byte("job-state-reasons")) // additional value: empty name
	attr(0x44, "", []byte("job-printer-state-message"))
	b.WriteByte(0x03) // end of attributes
	return b.Bytes()
}

// parseIPPJob reads the attributes of a Get-Job-Attributes response.
func parseIPPJob(b []byte) (jobState, error) {
	var st jobState
	if len(b) < 8 {
		return st, errors.New("risposta IPP troppo corta")
	}
	if status := binary.BigEndian.Uint16(b[2:4]); status >= 0x0100 {
		return st, fmt.Errorf("CUPS: stato IPP 0x%04x", status)
	}
	p, last := 8, ""
	for p < len(b) {
		tag := b[p]
		p++
		if tag == 0x03 {
			break
		}
		if tag < 0x10 {
			continue // a group delimiter
		}
		if p+2 > len(b) {
			return st, errors.New("risposta IPP troncata")
		}
		nl := int(binary.BigEndian.Uint16(b[p:]))
		p += 2
		if p+nl+2 > len(b) {
			return st, errors.New("risposta IPP troncata")
		}
		name := string(b[p : p+nl])
		p += nl
		vl := int(binary.BigEndian.Uint16(b[p:]))
		p += 2
		if p+vl > len(b) {
			return st, errors.New("risposta IPP troncata")
		}
		val := b[p : p+vl]
		p += vl
		if name == "" {
			name = last // another value of the same attribute
		}
		last = name
		switch name {
		case "job-state":
			if len(val) == 4 {
				st.state = int(binary.BigEndian.Uint32(val))
			}
		case "job-state-reasons":
			st.reasons = append(st.reasons, string(val))
		case "job-printer-state-message":
			st.message = string(val)
		}
	}
	if st.state == 0 {
		return st, errors.New("CUPS non ha indicato lo stato del lavoro")
	}
	if st.message == "" {
		for _, r := range st.reasons {
			if r != "none" && r != "job-completed-successfully" && r != "processing-to-stop-point" {
				st.message = r
			}
		}
	}
	return st, nil
}
