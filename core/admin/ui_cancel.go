package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// cancel cancels one delivery from its page.
func (u *ui) cancel(w http.ResponseWriter, r *http.Request, sess *session) error {
	public := r.PathValue("id")
	if _, err := u.s.cancelOne(r, public, r.PostFormValue("reason"), sess.actor, " (web UI)"); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/deliveries/"+url.PathEscape(public)+"?done=cancelled", http.StatusSeeOther)
	return nil
}

// maxCancelPages bounds the pages of 500 deliveries one press of the delivery
// log's cancel button goes through, so that a request stays short. The page
// then tells that more remain.
const maxCancelPages = 20

// cancelMatching cancels the scheduled deliveries that the delivery log's
// filters select, and shows the log with what it did.
func (u *ui) cancelMatching(w http.ResponseWriter, r *http.Request, sess *session) error {
	req := bulkCancelRequest{Route: r.PostFormValue("route"), Connector: r.PostFormValue("connector"),
		EventType: r.PostFormValue("event_type"), Reason: r.PostFormValue("reason"), Limit: maxLimit}
	cancelled, notCancelled, more := 0, 0, false
	for page := 0; page < maxCancelPages; page++ {
		res, err := u.s.cancelPage(r, req, sess.actor, " (web UI)")
		if err != nil {
			return err
		}
		cancelled, notCancelled = cancelled+len(res.Cancelled), notCancelled+len(res.NotCancelled)
		if req.Cursor = res.NextCursor; req.Cursor == "" {
			break
		}
		more = page == maxCancelPages-1
	}

	q := url.Values{"done": {"cancelled"}, "cancelled": {strconv.Itoa(cancelled)}, "running": {strconv.Itoa(notCancelled)}}
	if more {
		q.Set("more", "1")
	}
	for key, value := range req.filters() {
		if value != "" {
			q.Set(key, value)
		}
	}
	http.Redirect(w, r, "/ui/?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// cancelNotice returns the delivery log's confirmation of a bulk cancel,
// built from the counts in its query, and removes the keys that carry it so
// that the rest are the filters. Only the numbers are read, so no text of
// the request is shown.
func cancelNotice(query url.Values) string {
	done := query.Get("done")
	cancelled, errCancelled := strconv.Atoi(query.Get("cancelled"))
	running, errRunning := strconv.Atoi(query.Get("running"))
	more := query.Get("more") == "1"
	for _, key := range []string{"done", "cancelled", "running", "more"} {
		query.Del(key)
	}
	if done != "cancelled" || errCancelled != nil || errRunning != nil {
		return ""
	}
	notice := fmt.Sprintf("Cancelled %s.", countNoun(cancelled, "scheduled delivery", "scheduled deliveries"))
	if running > 0 {
		notice += fmt.Sprintf(" %s matched but were being attempted, so they were not cancelled.", countNoun(running, "delivery", "deliveries"))
	}
	if more {
		notice += " More remain: press Cancel again."
	}
	return notice
}

// countNoun returns n with the noun in the number it takes: "1 delivery",
// "2 deliveries".
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
