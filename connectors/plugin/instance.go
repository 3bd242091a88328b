package plugin

import (
	"context"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/pluginclient"
)

// holdReason is the hold reason of deliveries whose plugin cannot deliver;
// it is the store's plugin_failed.
const holdReason = "plugin_failed"

// instance is one configured block of a plugin. It survives restarts of the
// plugin process: each new process configures it again.
type instance struct {
	sup *supervisor
	cfg sdk.InstanceConfig

	mu     sync.Mutex
	proc   *pluginclient.Process
	remote string
}

var (
	_ sdk.Instance = (*instance)(nil)
	_ sdk.Holder   = (*instance)(nil)
)

func (i *instance) setRemote(proc *pluginclient.Process, id string) {
	i.mu.Lock()
	i.proc, i.remote = proc, id
	i.mu.Unlock()
}

// remoteIn returns the instance's id in proc, configuring it there first
// when it was configured in an earlier process only.
func (i *instance) remoteIn(ctx context.Context, proc *pluginclient.Process) (string, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.proc == proc {
		return i.remote, nil
	}
	id, err := proc.Configure(ctx, i.cfg)
	if err != nil {
		return "", err
	}
	i.proc, i.remote = proc, id
	return id, nil
}

// Hold implements sdk.Holder: while the plugin restarts or has failed, the
// dispatcher keeps its deliveries waiting instead of using attempts.
func (i *instance) Hold() (string, time.Duration, bool) {
	wait, held := i.sup.hold()
	return holdReason, wait, held
}

// Deliver implements sdk.Instance. A call cut short by the plugin's death is
// a retry with the same delivery id. The crash counts against the delivery,
// which goes dead as a poison message after PoisonCrashes of them.
func (i *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	proc, err := i.sup.acquire()
	if err != nil {
		return sdk.Retry(err.Error(), 0)
	}
	defer i.sup.release()
	id, err := i.remoteIn(ctx, proc)
	if err != nil {
		return pluginclient.TransportResult(i.sup.exe.Name, err)
	}

	res, err := proc.Deliver(ctx, id, req)
	if err == nil {
		i.sup.poison.forget(req.DeliveryID)
		return res
	}
	return i.failed(ctx, proc, req, err)
}

// failed turns a call that returned no outcome into one.
func (i *instance) failed(ctx context.Context, proc *pluginclient.Process, req *sdk.DeliveryRequest, err error) sdk.Result {
	name := i.sup.exe.Name
	switch code := status.Code(err); {
	case ctx.Err() != nil:
		return sdk.Retry(fmt.Sprintf("plugin %s: the attempt ended before the plugin answered: %v", name, ctx.Err()), 0)
	case code == codes.Internal || code == codes.NotFound || code == codes.InvalidArgument:
		return pluginclient.TransportResult(name, err)
	case !diedDuring(proc):
		return pluginclient.TransportResult(name, err)
	}
	i.sup.exited(proc)

	limit := i.sup.host.opts.PoisonCrashes
	crashes := i.sup.poison.add(req.DeliveryID)
	if crashes >= limit {
		i.sup.poison.forget(req.DeliveryID)
		i.sup.log.Error("delivery is a poison message: the plugin crashed each time it was in flight",
			"delivery_id", req.DeliveryID, "crashes", crashes)
		return sdk.Permanent(fmt.Sprintf("poison message: plugin %s crashed %d times while this delivery was in flight", name, crashes))
	}
	return sdk.Retry(fmt.Sprintf("plugin %s exited while this delivery was in flight (crash %d; at %d it is dead as a poison message)", name, crashes, limit), 0)
}

// Health implements sdk.Instance: a plugin that is not running is unhealthy.
func (i *instance) Health(ctx context.Context) sdk.Health {
	proc, err := i.sup.acquire()
	if err != nil {
		return sdk.Health{Message: err.Error()}
	}
	defer i.sup.release()
	id, err := i.remoteIn(ctx, proc)
	if err != nil {
		return sdk.Health{Message: fmt.Sprintf("plugin %s: %v", i.sup.exe.Name, err)}
	}
	h, err := proc.Health(ctx, id)
	if err != nil {
		return sdk.Health{Message: fmt.Sprintf("plugin %s did not answer: %v", i.sup.exe.Name, err)}
	}
	return h
}

// Close implements sdk.Instance: the instance is forgotten, so restarts no
// longer configure it, and closed in the running process.
func (i *instance) Close() error {
	i.sup.mu.Lock()
	delete(i.sup.instances, i)
	i.sup.mu.Unlock()

	i.mu.Lock()
	proc, id := i.proc, i.remote
	i.mu.Unlock()
	current, err := i.sup.acquire()
	if err != nil || current != proc {
		if err == nil {
			i.sup.release()
		}
		return nil
	}
	defer i.sup.release()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := proc.CloseInstance(ctx, id); err != nil {
		return fmt.Errorf("close %s in plugin %s: %w", i.cfg.Name, i.sup.exe.Name, err)
	}
	return nil
}
