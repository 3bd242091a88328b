package ingest

import (
	"net/http"
)

// getHealth serves GET /healthz: the process is up.
func (h *handler) getHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`))
}

// getReady serves GET /readyz: 200 when Ready returns nil, else 503 with the
// reason and Retry-After.
func (h *handler) getReady(w http.ResponseWriter, r *http.Request) {
	if h.ready != nil {
		if err := h.ready(); err != nil {
			h.fail(w, r, unavailable("not ready: "+err.Error(), err))
			return
		}
	}
	writeJSON(w, http.StatusOK, []byte(`{"status":"ready"}`))
}
