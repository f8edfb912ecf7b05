package main

// WebSocket sessions: accepted, counted, closed by code. A drain closes every session with
// 1001 (going away); a session that ends with no close frame counts as 1006.

import (
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

type Hub struct {
	s        *Standin
	up       websocket.Upgrader
	mu       sync.Mutex
	sessions map[*Session]struct{}
}

type Session struct {
	Conn     *websocket.Conn
	hub      *Hub
	wmu      sync.Mutex
	once     sync.Once
	closing  atomic.Bool
	done     chan struct{}
	readEnd  chan struct{}
	chMu     sync.Mutex
	channels map[string]bool
	// onEnd runs once when the session ends (the proxy closes its upstream leg here).
	onEnd func(code int)
}

func NewHub(s *Standin) *Hub {
	return &Hub{s: s, sessions: map[*Session]struct{}{}, up: websocket.Upgrader{
		ReadBufferSize: 4096, WriteBufferSize: 4096,
		CheckOrigin: func(*http.Request) bool { return true },
	}}
}

func (h *Hub) Accept(w http.ResponseWriter, r *http.Request, hdr http.Header) (*Session, error) {
	if h.closed() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return nil, errors.New("draining")
	}
	c, err := h.up.Upgrade(w, r, hdr)
	if err != nil {
		return nil, err
	}
	sess := &Session{Conn: c, hub: h, done: make(chan struct{}), readEnd: make(chan struct{}), channels: map[string]bool{}}
	h.mu.Lock()
	if h.sessions == nil {
		h.mu.Unlock()
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1001, "going away"), time.Now().Add(time.Second))
		_ = c.Close()
		return nil, errors.New("draining")
	}
	h.sessions[sess] = struct{}{}
	h.mu.Unlock()
	h.s.W.WSOpened()
	h.s.wsTotal.With().Inc()
	return sess, nil
}

// closed reports whether CloseAll has run (new sessions are refused after it).
func (h *Hub) closed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sessions == nil
}

func (s *Session) Send(mt int, data []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.Conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return s.Conn.WriteMessage(mt, data)
}

func (s *Session) Subscribe(ch string) {
	s.chMu.Lock()
	s.channels[ch] = true
	s.chMu.Unlock()
}

func (s *Session) Subscribed(ch string) bool {
	s.chMu.Lock()
	defer s.chMu.Unlock()
	return s.channels[ch]
}

func (s *Session) finish(code int) {
	s.once.Do(func() {
		s.hub.mu.Lock()
		if s.hub.sessions != nil {
			delete(s.hub.sessions, s)
		}
		s.hub.mu.Unlock()
		s.hub.s.W.WSClosed(code)
		if s.onEnd != nil {
			s.onEnd(code)
		}
		close(s.done)
	})
}

// CloseWith sends a close frame with code and ends the session (used to relay an upstream close).
func (s *Session) CloseWith(code int, reason string) {
	s.closing.Store(true)
	s.wmu.Lock()
	_ = s.Conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	s.wmu.Unlock()
	// Wait for the peer's close frame (the reader ends), bounded.
	select {
	case <-s.readEnd:
	case <-time.After(2 * time.Second):
	}
	s.finish(code)
	_ = s.Conn.Close()
}

// ReadLoop reads until the session ends, handing each message to onMsg.
func (s *Session) ReadLoop(onMsg func(mt int, data []byte)) {
	defer close(s.readEnd)
	for {
		mt, data, err := s.Conn.ReadMessage()
		if err != nil {
			code := 1006
			var ce *websocket.CloseError
			if s.closing.Load() {
				code = 1001
			} else if errors.As(err, &ce) && ce.Code != websocket.CloseNoStatusReceived && ce.Code != websocket.CloseAbnormalClosure {
				code = ce.Code
			}
			if s.closing.Load() {
				// CloseWith records the code it sent; the reader only signals completion.
				return
			}
			s.finish(code)
			_ = s.Conn.Close()
			return
		}
		onMsg(mt, data)
	}
}

// CloseAll closes every session with code (1001 on drain) and refuses new ones.
func (h *Hub) CloseAll(code int, reason string) {
	h.mu.Lock()
	all := make([]*Session, 0, len(h.sessions))
	for s := range h.sessions {
		all = append(all, s)
	}
	h.sessions = nil
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range all {
		wg.Add(1)
		go func(s *Session) { defer wg.Done(); s.CloseWith(code, reason) }(s)
	}
	wg.Wait()
}

// Broadcast sends data to every session subscribed to channel ("" = all sessions).
func (h *Hub) Broadcast(channel string, data []byte) {
	h.mu.Lock()
	all := make([]*Session, 0, len(h.sessions))
	for s := range h.sessions {
		if channel == "" || s.Subscribed(channel) {
			all = append(all, s)
		}
	}
	h.mu.Unlock()
	for _, s := range all {
		_ = s.Send(websocket.TextMessage, data)
	}
}
