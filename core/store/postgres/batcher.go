package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/turbocode/switchboard/core/store"
)

// Accept implements store.Store. Requests that arrive while earlier ones are
// being written share a transaction (group commit). A few committers each take
// every request waiting, up to a bound, so under load one transaction and one
// set of statements serve many requests, and a request alone is written at
// once.
//
// A transaction takes the advisory locks of the entities and ordering keys its
// requests touch, in one order. It then checks each request's events against
// the stored ones and those of the requests before it, and only then plans the
// request's writes, so a request with a conflict is rejected alone and writes
// nothing. Two instances that store the same new event id at once both pass
// the check; the unique index refuses the second commit, and the second
// transaction runs again and finds the first one's event.
func (s *Store) Accept(ctx context.Context, req *store.AcceptRequest) (*store.AcceptResult, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.registerDestinations(ctx, plannedDestinations(req)); err != nil {
		return nil, err
	}
	return s.accepts.submit(ctx, req)
}

// acceptBatcher runs the committers of Accept.
type acceptBatcher struct {
	s        *Store
	queue    chan *pendingAccept
	maxBatch int
	stopped  sync.WaitGroup

	// mu guards closed against submits racing with close: submitters hold it
	// for reading while they queue a request.
	mu     sync.RWMutex
	closed bool
}

// pendingAccept is one caller's request and, once done is closed, its outcome.
type pendingAccept struct {
	req    *store.AcceptRequest
	result *store.AcceptResult
	err    error
	done   chan struct{}
}

func newAcceptBatcher(s *Store, committers, maxBatch int) *acceptBatcher {
	b := &acceptBatcher{s: s, queue: make(chan *pendingAccept, 4*maxBatch), maxBatch: maxBatch}
	for range committers {
		b.stopped.Add(1)
		go func() {
			defer b.stopped.Done()
			b.run()
		}()
	}
	return b
}

// submit queues req and waits for its transaction. Once the request is queued
// it is written whatever happens to ctx, so submit waits for the outcome: a
// caller must not believe a write failed that in fact committed. ctx bounds
// only the wait for a place in the queue.
func (b *acceptBatcher) submit(ctx context.Context, req *store.AcceptRequest) (*store.AcceptResult, error) {
	p := &pendingAccept{req: req, done: make(chan struct{})}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return nil, fmt.Errorf("%w: store is closed", store.ErrUnavailable)
	}
	select {
	case b.queue <- p:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		// The committers are behind, as when the database stops responding:
		// the sender is told to come back later.
		return nil, unavailable("wait for a place in the write queue", ctx.Err())
	}
	<-p.done
	return p.result, p.err
}

// run commits batches until the queue is closed.
func (b *acceptBatcher) run() {
	for first := range b.queue {
		batch := []*pendingAccept{first}
	drain:
		for len(batch) < b.maxBatch {
			select {
			case p, ok := <-b.queue:
				if !ok {
					break drain
				}
				batch = append(batch, p)
			default:
				break drain
			}
		}
		b.s.commitAccepts(batch)
	}
}

// close stops taking requests and waits until the queued ones are written.
func (b *acceptBatcher) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
	b.mu.Unlock()
	b.stopped.Wait()
}

// commitAccepts writes a batch of requests in one transaction and returns
// each caller its outcome.
func (s *Store) commitAccepts(batch []*pendingAccept) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	reqs := make([]*store.AcceptRequest, len(batch))
	for i, p := range batch {
		reqs[i] = p.req
	}

	var a *acceptTx
	err := s.inTx(ctx, "accept", func(tx *pipeTx) (int64, error) {
		a = newAcceptTx(s, tx, reqs)
		if err := a.run(ctx); err != nil {
			return 0, err
		}
		return a.scheduled, nil
	})
	if err == nil {
		for key, id := range a.newDestinations {
			s.destinations.Store(key, id)
		}
		if a.notify {
			s.notifier.request()
		}
	}

	for i, p := range batch {
		switch {
		case err != nil:
			p.err = err
		case a.parts[i].err != nil:
			p.err = a.parts[i].err
		default:
			p.result = a.parts[i].result
		}
		close(p.done)
	}
}
