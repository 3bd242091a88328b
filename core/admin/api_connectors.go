package admin

import (
	"fmt"
	"net/http"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// listConnectors serves GET /api/v1/connectors.
func (s *server) listConnectors(w http.ResponseWriter, r *http.Request, _ string) error {
	statuses := s.backend.Connectors()
	items := make([]connectorView, len(statuses))
	for i, c := range statuses {
		items[i] = connectorViewOf(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// connector returns the status of the named connector.
func (s *server) connector(name string) (ConnectorStatus, error) {
	for _, c := range s.backend.Connectors() {
		if c.Name == name {
			return c, nil
		}
	}
	return ConnectorStatus{}, notFound("no connector named %q in the config; the connectors page, switchboard connectors and GET /api/v1/connectors list them", name)
}

// getConnector serves GET /api/v1/connectors/{name}.
func (s *server) getConnector(w http.ResponseWriter, r *http.Request, _ string) error {
	c, err := s.connector(r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, connectorViewOf(c))
	return nil
}

// testRequest is the body of POST /api/v1/connectors/{name}/test: target
// parameters, or none to use the literal ones of the connector's first route
// target.
type testRequest struct {
	Params sdk.Params `json:"params"`
}

// testConnector serves POST /api/v1/connectors/{name}/test. The status is 200
// whatever the destination returned, because its outcome is in the body.
func (s *server) testConnector(w http.ResponseWriter, r *http.Request, actor string) error {
	c, err := s.connector(r.PathValue("name"))
	if err != nil {
		return err
	}
	var req testRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	view, err := s.runTest(r, c, req.Params, actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

func (s *server) runTest(r *http.Request, c ConnectorStatus, params sdk.Params, actor string) (*testView, error) {
	name := c.Name
	if err := s.checkTestParams(params, c.Info); err != nil {
		return nil, err
	}
	res, err := s.backend.TestSend(r.Context(), name, params)
	if err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("%s, status %d, params %s", res.Outcome, res.StatusCode, auditParams(res.Params))
	if params == nil {
		detail += " (the first route target's)"
	}
	if err := s.record(r.Context(), actor, "test", name, detail); err != nil {
		return nil, err
	}
	return &testView{Outcome: res.Outcome.String(), StatusCode: res.StatusCode, Response: res.Response, Reason: res.Reason,
		DurationMS: float64(res.Duration.Microseconds()) / 1000, Params: res.Params}, nil
}

// pauseRequest is the body of POST /api/v1/connectors/{name}/pause.
type pauseRequest struct {
	Reason string `json:"reason"`
}

// pauseConnector serves POST /api/v1/connectors/{name}/pause.
func (s *server) pauseConnector(w http.ResponseWriter, r *http.Request, actor string) error {
	name := r.PathValue("name")
	var req pauseRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	c, err := s.pause(r, name, req.Reason, actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, connectorViewOf(c))
	return nil
}

func (s *server) pause(r *http.Request, name, reason, actor string) (ConnectorStatus, error) {
	c, err := s.connector(name)
	if err != nil {
		return ConnectorStatus{}, err
	}
	if c.Paused {
		return c, conflict("connector %s is already paused (by %s at %s: %s); resume it first to pause it with another reason",
			name, c.PausedBy, c.PausedAt.UTC().Format(time.RFC3339), c.PauseReason)
	}
	reason, err = s.operatorText("reason", reason, maxReasonLength)
	if err != nil {
		return ConnectorStatus{}, err
	}
	if reason == "" {
		reason = "paused by " + actor
	}
	if err := s.backend.Pause(r.Context(), name, reason, actor); err != nil {
		return ConnectorStatus{}, err
	}
	if err := s.record(r.Context(), actor, "pause", name, reason); err != nil {
		return ConnectorStatus{}, err
	}
	return s.connector(name)
}

// resumeConnector serves POST /api/v1/connectors/{name}/resume. It takes
// no body keys; a body that has some is rejected, as in every endpoint.
func (s *server) resumeConnector(w http.ResponseWriter, r *http.Request, actor string) error {
	if err := decodeBody(r, &struct{}{}); err != nil {
		return err
	}
	c, err := s.resume(r, r.PathValue("name"), actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, connectorViewOf(c))
	return nil
}

func (s *server) resume(r *http.Request, name, actor string) (ConnectorStatus, error) {
	c, err := s.connector(name)
	if err != nil {
		return c, err
	}
	if !c.Paused {
		return c, conflict("connector %s is not paused", name)
	}
	if err := s.backend.Resume(r.Context(), name); err != nil {
		return c, err
	}
	if err := s.record(r.Context(), actor, "resume", name, "was: "+c.PauseReason); err != nil {
		return c, err
	}
	return s.connector(name)
}
