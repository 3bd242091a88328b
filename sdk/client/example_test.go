package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/turbocode/switchboard/sdk/client"
)

// standIn starts a server that responds to POST /v1/events as Switchboard's
// ingest does when it accepts every event, or with status and body when
// status is not zero.
func standIn(status int, body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status != 0 {
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
		var events []struct {
			ID string `json:"event_id"`
		}
		json.NewDecoder(r.Body).Decode(&events)
		answer := map[string]any{"accepted": len(events), "events": []map[string]any{}}
		for _, ev := range events {
			answer["events"] = append(answer["events"].([]map[string]any), map[string]any{"event_id": ev.ID, "duplicate": false})
		}
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(answer)
	}))
}

func ExampleClient_Send() {
	switchboard := standIn(0, "")
	defer switchboard.Close()

	c, err := client.New(client.Options{
		URL:    switchboard.URL,                   // the ingest listener, such as http://127.0.0.1:8470
		Secret: "turbo-webhook-secret-0123456789", // one of ingest.secrets
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	results, err := c.Send(context.Background(), client.Event{
		ID:       "7d1f2c4e-3b6a-4c8e-9f10-2a3b4c5d6e7f",
		Type:     "issue.created",
		EntityID: "c0ffee00-0000-4000-8000-000000000042",
		Actor:    &client.Actor{Type: client.ActorUser, Name: "dev@example.com"},
		Data: &client.Data{Current: map[string]any{
			"issue_key": "TURBO-42", "title": "Login fails after password reset", "priority": "high",
		}},
		Context: map[string]string{"project_id": "5e1a0000-0000-4000-8000-000000000001"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		fmt.Println(r.EventID, "duplicate:", r.Duplicate)
	}
	// Output: 7d1f2c4e-3b6a-4c8e-9f10-2a3b4c5d6e7f duplicate: false
}

func ExampleStatusError() {
	switchboard := standIn(http.StatusBadRequest,
		`{"error":"missing; send the id of the issue the event is about","code":"invalid_event","field":"events[0].entity_id"}`)
	defer switchboard.Close()
	c, _ := client.New(client.Options{URL: switchboard.URL, Unsigned: true})

	_, err := c.Send(context.Background(), client.Event{Type: "issue.created"})

	var statusErr *client.StatusError
	if errors.As(err, &statusErr) {
		fmt.Println(statusErr.StatusCode, statusErr.Code, statusErr.Field, statusErr.Retryable)
	}
	// Output: 400 invalid_event events[0].entity_id false
}
