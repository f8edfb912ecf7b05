// nfq-delay: a netem stand-in for kernels without sch_netem (this VM's kernel has no netem and no
// loadable modules). It binds an NFQUEUE in the current network namespace and accepts every
// queued packet after delay ± jitter, so an iptables rule `-j NFQUEUE --queue-num N
// --queue-bypass` delays exactly the packets it matches. Bounded: it exits after -for, and the
// queue is bound fail-open (a full queue accepts) with the rule's --queue-bypass letting packets
// through once this process is gone. Standard library only: raw netlink (NETLINK_NETFILTER).
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	netlinkNetfilter = 12
	subsysQueue      = 3
	msgPacket        = 0
	msgVerdict       = 1
	msgConfig        = 2
	cfgCmd           = 1
	cfgParams        = 2
	cfgQueueMaxlen   = 3
	cfgMask          = 4
	cfgFlags         = 5
	cmdBind          = 1
	copyMeta         = 1
	flagFailOpen     = 1
	attrPacketHdr    = 1
	attrVerdictHdr   = 2
	nfAccept         = 1
	nlmFRequest      = 1
	nlmFAck          = 4
	nlmsgError       = 2
)

type queue struct {
	fd  int
	num uint16
	seq uint32
}

func (q *queue) send(msgType uint16, flags uint16, family uint8, attrs []byte) error {
	seq := atomic.AddUint32(&q.seq, 1)
	b := make([]byte, 16+4+len(attrs))
	binary.LittleEndian.PutUint32(b[0:], uint32(len(b)))
	binary.LittleEndian.PutUint16(b[4:], subsysQueue<<8|msgType)
	binary.LittleEndian.PutUint16(b[6:], nlmFRequest|flags)
	binary.LittleEndian.PutUint32(b[8:], seq)
	b[16] = family
	b[17] = 0 // NFNETLINK_V0
	binary.BigEndian.PutUint16(b[18:], q.num)
	copy(b[20:], attrs)
	return syscall.Sendto(q.fd, b, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK})
}

func attr(typ uint16, payload []byte) []byte {
	n := 4 + len(payload)
	b := make([]byte, (n+3)&^3)
	binary.LittleEndian.PutUint16(b[0:], uint16(n))
	binary.LittleEndian.PutUint16(b[2:], typ)
	copy(b[4:], payload)
	return b
}

func be32(v uint32) []byte { b := make([]byte, 4); binary.BigEndian.PutUint32(b, v); return b }

// config sends one config message and waits for its ack (errors name the step).
func (q *queue) config(step string, attrs []byte) error {
	if err := q.send(msgConfig, nlmFAck, syscall.AF_UNSPEC, attrs); err != nil {
		return fmt.Errorf("%s: send: %w", step, err)
	}
	buf := make([]byte, 8192)
	for {
		n, _, err := syscall.Recvfrom(q.fd, buf, 0)
		if err != nil {
			return fmt.Errorf("%s: recv: %w", step, err)
		}
		for off := 0; off+16 <= n; {
			l := int(binary.LittleEndian.Uint32(buf[off:]))
			if l < 16 || off+l > n {
				break
			}
			if binary.LittleEndian.Uint16(buf[off+4:]) == nlmsgError {
				if code := int32(binary.LittleEndian.Uint32(buf[off+16:])); code != 0 {
					return fmt.Errorf("%s: %w", step, syscall.Errno(-code))
				}
				return nil
			}
			off += (l + 3) &^ 3
		}
	}
}

func (q *queue) accept(id uint32) {
	v := make([]byte, 8)
	binary.BigEndian.PutUint32(v[0:], nfAccept)
	binary.BigEndian.PutUint32(v[4:], id)
	_ = q.send(msgVerdict, 0, syscall.AF_UNSPEC, attr(attrVerdictHdr, v))
}

// packetIDs returns the ids of the NFQNL_MSG_PACKET messages in one datagram.
func packetIDs(buf []byte) []uint32 {
	var ids []uint32
	for off := 0; off+20 <= len(buf); {
		l := int(binary.LittleEndian.Uint32(buf[off:]))
		if l < 20 || off+l > len(buf) {
			break
		}
		if binary.LittleEndian.Uint16(buf[off+4:]) == subsysQueue<<8|msgPacket {
			for a := off + 20; a+4 <= off+l; {
				al := int(binary.LittleEndian.Uint16(buf[a:]))
				if al < 4 {
					break
				}
				if binary.LittleEndian.Uint16(buf[a+2:])&0x7fff == attrPacketHdr && al >= 8 {
					ids = append(ids, binary.BigEndian.Uint32(buf[a+4:]))
				}
				a += (al + 3) &^ 3
			}
		}
		off += (l + 3) &^ 3
	}
	return ids
}

func run() error {
	num := flag.Uint("queue", 0, "NFQUEUE number")
	delay := flag.Duration("delay", 0, "added delay per packet")
	jitter := flag.Duration("jitter", 0, "uniform jitter, ± this much")
	lifetime := flag.Duration("for", 0, "exit after this long (required: the fault is bounded)")
	flag.Parse()
	if *lifetime <= 0 || *lifetime > time.Hour {
		return errors.New("-for must be in (0, 1h]")
	}
	if *delay < 0 || *jitter < 0 || *jitter > *delay {
		return errors.New("-delay must be >= 0 and -jitter in [0, delay]")
	}
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, netlinkNetfilter)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, 8<<20)
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	q := &queue{fd: fd, num: uint16(*num)}
	if err := q.config("bind queue", attr(cfgCmd, []byte{cmdBind, 0, 0, syscall.AF_INET})); err != nil {
		return err
	}
	params := append(be32(0), copyMeta)
	if err := q.config("copy mode", attr(cfgParams, params)); err != nil {
		return err
	}
	if err := q.config("queue length", attr(cfgQueueMaxlen, be32(65536))); err != nil {
		return err
	}
	if err := q.config("fail open", append(attr(cfgFlags, be32(flagFailOpen)), attr(cfgMask, be32(flagFailOpen))...)); err != nil {
		return err
	}
	fmt.Printf("nfq-delay: queue %d, delay %s ± %s, for %s\n", *num, *delay, *jitter, *lifetime)

	// After the deadline or a signal: accept new packets at once, let queued ones finish.
	var draining atomic.Bool
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		select {
		case <-stop:
		case <-time.After(*lifetime):
		}
		draining.Store(true)
		time.Sleep(*delay + *jitter + 200*time.Millisecond)
		os.Exit(0)
	}()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	buf := make([]byte, 1<<16)
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			if errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.EINTR) {
				continue // the kernel dropped notifications; fail-open keeps packets flowing
			}
			return fmt.Errorf("recv: %w", err)
		}
		for _, id := range packetIDs(buf[:n]) {
			d := *delay
			if *jitter > 0 {
				d += time.Duration(rng.Int63n(int64(2**jitter)+1)) - *jitter
			}
			if draining.Load() || d <= 0 {
				q.accept(id)
				continue
			}
			id := id
			time.AfterFunc(d, func() { q.accept(id) })
		}
	}
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "nfq-delay: %v\n", err)
		os.Exit(1)
	}
}
