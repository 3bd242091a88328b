package sdk

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/turbocode/switchboard/sdk/proto/pluginv1"
)

// connectorServer serves one Connector and the instances configured from it
// over the plugin protocol.
type connectorServer struct {
	pluginv1.UnimplementedConnectorServer

	connector Connector
	log       *pluginLogger

	mu        sync.RWMutex
	instances map[string]Instance
	nextID    atomic.Int64
}

var _ pluginv1.ConnectorServer = (*connectorServer)(nil)

func newConnectorServer(c Connector, log *pluginLogger) *connectorServer {
	return &connectorServer{connector: c, log: log, instances: map[string]Instance{}}
}

func (s *connectorServer) Info(context.Context, *pluginv1.InfoRequest) (*pluginv1.InfoResponse, error) {
	return infoToProto(s.connector.Info()), nil
}

func (s *connectorServer) ConfigSchema(context.Context, *pluginv1.ConfigSchemaRequest) (*pluginv1.ConfigSchemaResponse, error) {
	info := s.connector.Info()
	return &pluginv1.ConfigSchemaResponse{SchemaJson: info.ConfigSchema, SecretPaths: info.SecretPaths}, nil
}

func (s *connectorServer) ValidateConfig(_ context.Context, req *pluginv1.ValidateConfigRequest) (*pluginv1.ValidateConfigResponse, error) {
	diagnostics := s.connector.ValidateConfig(req.GetConfigJson())
	out := &pluginv1.ValidateConfigResponse{Diagnostics: make([]*pluginv1.Diagnostic, 0, len(diagnostics))}
	for _, d := range diagnostics {
		out.Diagnostics = append(out.Diagnostics, &pluginv1.Diagnostic{Path: d.Path, Message: d.Message})
	}
	return out, nil
}

func (s *connectorServer) Configure(ctx context.Context, req *pluginv1.ConfigureRequest) (*pluginv1.ConfigureResponse, error) {
	turbo := req.GetTurbo()
	cidrs, err := parsePrefixes(req.GetAllowCidrs())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err)
	}
	inst, err := s.connector.Configure(ctx, InstanceConfig{
		Name:         req.GetInstanceName(),
		Config:       req.GetConfigJson(),
		AllowPrivate: req.GetAllowPrivate(),
		AllowCIDRs:   cidrs,
		Turbo:        TurboSettings{WebURL: turbo.GetWebUrl(), APIURL: turbo.GetApiUrl(), APIToken: Secret(turbo.GetApiToken())},
		Logger:       s.log.With("connector", req.GetInstanceName()),
		Clock:        SystemClock,
	})
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err)
	}

	id := req.GetInstanceName() + "#" + strconv.FormatInt(s.nextID.Add(1), 10)
	s.mu.Lock()
	s.instances[id] = inst
	s.mu.Unlock()
	return &pluginv1.ConfigureResponse{InstanceId: id}, nil
}

func (s *connectorServer) Deliver(ctx context.Context, req *pluginv1.DeliverRequest) (*pluginv1.DeliverResponse, error) {
	inst, err := s.instance(req.GetInstanceId())
	if err != nil {
		return nil, err
	}
	delivery, err := deliveryFromProto(req)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err)
	}
	return resultToProto(inst.Deliver(ctx, delivery)), nil
}

func (s *connectorServer) Health(ctx context.Context, req *pluginv1.HealthRequest) (*pluginv1.HealthResponse, error) {
	inst, err := s.instance(req.GetInstanceId())
	if err != nil {
		return nil, err
	}
	h := inst.Health(ctx)
	return &pluginv1.HealthResponse{Ok: h.OK, Message: h.Message}, nil
}

func (s *connectorServer) CloseInstance(_ context.Context, req *pluginv1.CloseInstanceRequest) (*pluginv1.CloseInstanceResponse, error) {
	s.mu.Lock()
	inst, ok := s.instances[req.GetInstanceId()]
	delete(s.instances, req.GetInstanceId())
	s.mu.Unlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no instance %q in this plugin process", req.GetInstanceId())
	}
	if err := inst.Close(); err != nil {
		return nil, status.Errorf(codes.Internal, "close instance %s: %v", req.GetInstanceId(), err)
	}
	return &pluginv1.CloseInstanceResponse{}, nil
}

func (s *connectorServer) instance(id string) (Instance, error) {
	s.mu.RLock()
	inst, ok := s.instances[id]
	s.mu.RUnlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no instance %q in this plugin process; the host configures it again", id)
	}
	return inst, nil
}
