package plugin

import "sync"

// maxTrackedDeliveries bounds the deliveries whose crashes are counted. Past
// it the oldest half is forgotten, which can only delay a poison verdict.
const maxTrackedDeliveries = 10_000

// crashCounter counts, per delivery id, the plugin crashes that happened
// while the delivery was in flight. It lives in memory: a restart of
// Switchboard starts every count again.
type crashCounter struct {
	mu     sync.Mutex
	counts map[string]int
	order  []string
}

func newCrashCounter() *crashCounter { return &crashCounter{counts: map[string]int{}} }

// add counts one crash during the delivery and returns its count.
func (c *crashCounter) add(deliveryID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.counts[deliveryID]; !ok {
		c.order = append(c.order, deliveryID)
		if len(c.order) > maxTrackedDeliveries {
			c.forgetOldest(len(c.order) / 2)
		}
	}
	c.counts[deliveryID]++
	return c.counts[deliveryID]
}

// forget drops the delivery's count once it reached an outcome.
func (c *crashCounter) forget(deliveryID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.counts[deliveryID]; ok {
		delete(c.counts, deliveryID)
	}
}

// forgetOldest drops the first n deliveries counted; the caller holds c.mu.
func (c *crashCounter) forgetOldest(n int) {
	for _, id := range c.order[:n] {
		delete(c.counts, id)
	}
	kept := c.order[n:]
	c.order = c.order[:0]
	for _, id := range kept {
		if _, ok := c.counts[id]; ok {
			c.order = append(c.order, id)
		}
	}
}
