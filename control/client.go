package control

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// Dial connects to the control socket at path. ErrNotServing: nobody listens there
// (no file, or one left by a killed server); ErrPermission: not this user's server.
func Dial(path string) (net.Conn, error) {
	c, err := dial(path, 2*time.Second)
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOTSOCK):
		return nil, ErrNotServing
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return nil, fmt.Errorf("%w (socket %s)", ErrPermission, path)
	}
	return nil, fmt.Errorf("socket di controllo %s: %w", path, err)
}

func dial(path string, timeout time.Duration) (net.Conn, error) {
	addr, release, err := shortPath(path)
	if err != nil {
		return nil, err
	}
	defer release()
	return net.DialTimeout("unix", addr, timeout)
}

// Run sends the command to the server on conn and copies its output to stdout and
// stderr as it arrives; it returns the command's exit code. stdin is read only if the
// command asks for it. When ctx is cancelled (ctrl+c) the server is asked to cancel
// the command, and Run still waits for its exit code. Run closes conn.
func Run(ctx context.Context, conn net.Conn, req Request, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	defer conn.Close()
	req.Version = Version
	p, err := encodeRequest(req)
	if err != nil {
		return 0, err
	}
	var wmu sync.Mutex
	send := func(typ byte, p []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		return writeFrame(conn, typ, p)
	}
	// A server that turns the command away (too many at once) writes why and closes:
	// the request may then fail to go, but the answer is still there to read.
	sendErr := send(frameRequest, p)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			send(frameCancel, nil)
		case <-done:
		}
	}()
	br := bufio.NewReader(conn)
	asked := false
	for {
		typ, p, err := readFrame(br, maxFrame)
		if err != nil {
			if sendErr != nil {
				return 0, fmt.Errorf("invio del comando al server non riuscito: %w", sendErr)
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = errGone
			}
			return 0, err
		}
		switch typ {
		case frameStdout:
			stdout.Write(p)
		case frameStderr:
			stderr.Write(p)
		case frameWant:
			if !asked {
				asked = true
				go upload(stdin, send)
			}
		case frameExit:
			if len(p) != 4 {
				return 0, fmt.Errorf("codice di uscita illeggibile dal server")
			}
			return int(int32(binary.BigEndian.Uint32(p))), nil
		default:
			return 0, fmt.Errorf("frame %q inatteso dal server", typ)
		}
	}
}

// upload sends stdin in frames, then the end of it. It stops at the first failed
// send: the connection is gone, or the server ended the command.
func upload(stdin io.Reader, send func(byte, []byte) error) {
	if stdin == nil {
		send(frameStdin, nil)
		return
	}
	buf := make([]byte, chunk)
	for {
		n, err := stdin.Read(buf)
		if n > 0 {
			if send(frameStdin, buf[:n]) != nil {
				return
			}
		}
		if err != nil {
			send(frameStdin, nil) // end of stdin (a read error too: the command sees what came)
			return
		}
	}
}
