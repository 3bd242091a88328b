package connectortest

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// WebhookSender posts webhooks one at a time in the order they were queued, as
// a platform's webhook service does for one endpoint. Fakes of platforms that
// send webhooks (Turbo, GitHub) use it to call Switchboard back.
type WebhookSender struct {
	client *http.Client

	mu       sync.Mutex
	cond     *sync.Cond
	queue    []Webhook
	busy     bool
	closed   bool
	failures []string
	sent     int
	// onFailure, when set, is called with each webhook that got no 2xx answer.
	onFailure func(w Webhook, err error)
}

// Webhook is one request a WebhookSender posts.
type Webhook struct {
	URL    string
	Header http.Header
	Body   []byte
}

// NewWebhookSender starts a sender; Close stops it.
func NewWebhookSender() *WebhookSender {
	s := &WebhookSender{client: &http.Client{Timeout: 10 * time.Second}}
	s.cond = sync.NewCond(&s.mu)
	go s.run()
	return s
}

// OnFailure has f called with each later webhook that gets no 2xx answer, such
// as to log it.
func (s *WebhookSender) OnFailure(f func(w Webhook, err error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onFailure = f
}

// Enqueue queues a webhook behind those already queued.
func (s *WebhookSender) Enqueue(w Webhook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, w)
	s.cond.Broadcast()
}

func (s *WebhookSender) run() {
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.busy = false
			s.cond.Broadcast()
			s.cond.Wait()
		}
		if s.closed {
			s.mu.Unlock()
			return
		}
		w := s.queue[0]
		s.queue = s.queue[1:]
		s.busy = true
		s.mu.Unlock()

		err := s.post(w)
		s.mu.Lock()
		s.sent++
		if err != nil {
			s.failures = append(s.failures, err.Error())
		}
		onFailure := s.onFailure
		s.mu.Unlock()
		if err != nil && onFailure != nil {
			onFailure(w, err)
		}
	}
}

func (s *WebhookSender) post(w Webhook) error {
	req, err := http.NewRequest(http.MethodPost, w.URL, bytes.NewReader(w.Body))
	if err != nil {
		return err
	}
	req.Header = w.Header.Clone()
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("post webhook to %s: %w", w.URL, err)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("post webhook to %s: status %d", w.URL, resp.StatusCode)
	}
	return nil
}

// Wait waits until every queued webhook has been posted, or timeout passes,
// and reports whether the queue emptied. A nil sender has nothing to wait for.
func (s *WebhookSender) Wait(timeout time.Duration) bool {
	if s == nil {
		return true
	}
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) > 0 || s.busy {
		if time.Now().After(deadline) {
			return false
		}
		s.cond.Wait()
	}
	return true
}

// Sent returns how many webhooks were posted, accepted or not.
func (s *WebhookSender) Sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

// Failures returns the webhooks that got no 2xx answer, one line each; none
// for a nil sender.
func (s *WebhookSender) Failures() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.failures...)
}

// Close stops the sender; webhooks still queued are not posted.
func (s *WebhookSender) Close() {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
}
