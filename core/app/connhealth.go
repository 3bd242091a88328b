package app

import (
	"context"
	"sync"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// How long the connector listing waits for one instance's Health, and how
// long an answer is reused: a listing must stay quick, and Health may call
// the destination's API.
const (
	healthTimeout = 2 * time.Second
	healthTTL     = 10 * time.Second
)

// healthCache keeps each connector instance's last Health result briefly.
type healthCache struct {
	mu      sync.Mutex
	answers map[sdk.Instance]healthAnswer
}

type healthAnswer struct {
	health sdk.Health
	at     time.Time
}

// healthOf queries every instance for its health at once, or reuses an answer
// younger than healthTTL, and returns the answers by connector name.
func (a *App) healthOf(instances map[string]sdk.Instance) map[string]sdk.Health {
	c := &a.health
	now := a.clock.Now()
	out := make(map[string]sdk.Health, len(instances))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, inst := range instances {
		if h, ok := c.fresh(inst, now); ok {
			out[name] = h
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := askHealth(inst)
			c.remember(inst, h, now)
			mu.Lock()
			out[name] = h
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (c *healthCache) fresh(inst sdk.Instance, now time.Time) (sdk.Health, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ans, ok := c.answers[inst]
	if !ok || now.Sub(ans.at) >= healthTTL {
		return sdk.Health{}, false
	}
	return ans.health, true
}

// remember stores a result and drops the results of instances a reload
// replaced, once they are stale.
func (c *healthCache) remember(inst sdk.Instance, h sdk.Health, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.answers == nil {
		c.answers = map[sdk.Instance]healthAnswer{}
	}
	for old, ans := range c.answers {
		if now.Sub(ans.at) >= healthTTL {
			delete(c.answers, old)
		}
	}
	c.answers[inst] = healthAnswer{health: h, at: now}
}

// askHealth calls Health with healthTimeout; an instance that does not answer
// in time is reported so.
func askHealth(inst sdk.Instance) sdk.Health {
	ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
	defer cancel()
	answer := make(chan sdk.Health, 1)
	go func() { answer <- inst.Health(ctx) }()
	select {
	case h := <-answer:
		return h
	case <-ctx.Done():
		return sdk.Health{Message: "the connector did not report its health within " + healthTimeout.String()}
	}
}
