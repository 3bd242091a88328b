package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/turbocode/switchboard/sdk"
)

// instance is one configured email connector.
type instance struct {
	name          string
	from          *netmail.Address
	replyTo       *netmail.Address
	subjectPrefix string
	// webURL is the base of Turbo's web UI for links, "" when not configured.
	webURL string
	tls    string
	// username is shown by Preview; the password never is.
	username string

	dialer *dialer
	pool   *pool
	clock  sdk.Clock
	logger *slog.Logger
}

var _ sdk.Instance = (*instance)(nil)

func newInstance(cfg config, ic sdk.InstanceConfig) *instance {
	d := newDialer(cfg, ic.Resolver)
	in := &instance{
		name:          ic.Name,
		from:          cfg.from,
		replyTo:       cfg.replyTo,
		subjectPrefix: cfg.subjectPrefix(),
		webURL:        strings.TrimSuffix(ic.Turbo.WebURL, "/"),
		tls:           cfg.TLS,
		username:      cfg.Username,
		dialer:        d,
		pool:          newPool(d, cfg, ic),
		clock:         ic.Clock,
		logger:        ic.Logger,
	}
	in.logger.Debug("email connector configured", slog.String("smtp_server", cfg.address()),
		slog.String("tls", cfg.TLS), slog.Bool("auth", cfg.Username != ""), slog.String("from", cfg.from.Address))
	return in
}

// Deliver renders the delivery into one message and sends it to every
// recipient of the target's to list at once. A to list that renders empty
// skips the delivery. Templated recipients that are invalid are left out,
// logged and named in the result's reason.
func (in *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	m, err := in.newMessage(req)
	if errors.Is(err, errNoRecipients) {
		return sdk.Skipped(err.Error())
	}
	if err != nil {
		return sdk.Permanent(err.Error())
	}
	in.logDropped(req, m.Dropped)

	msg := in.mailMsg(m)
	err = in.send(ctx, req, msg)
	result := in.classify(err, msg)
	if len(m.Dropped) == 0 {
		return result
	}
	if result.Reason == "" {
		result.Reason = droppedNote(m.Dropped)
	} else {
		result.Reason += "; " + droppedNote(m.Dropped)
	}
	return result
}

// logDropped warns about each templated recipient left out.
func (in *instance) logDropped(req *sdk.DeliveryRequest, dropped []*recipientError) {
	for _, e := range dropped {
		in.logger.Warn("invalid templated recipient left out; the message goes to the others",
			slog.String("delivery_id", req.DeliveryID), slog.String("route", req.Route),
			slog.String("recipient", fmt.Sprintf("to[%d] %q", e.Index, e.Value)), slog.Any("err", e.Err))
	}
}

// send sends msg on a pooled session. When a reused session fails before the
// message starts, because the server closed it while it was idle, the message
// goes once more on a new session.
func (in *instance) send(ctx context.Context, req *sdk.DeliveryRequest, msg *mail.Msg) error {
	for try := 1; ; try++ {
		s, reused, err := in.pool.get(ctx)
		if err != nil {
			return err
		}
		err = s.send(ctx, msg)
		in.pool.put(s, isReusable(err))

		if err == nil || !reused || try > 1 || !isStaleSession(err) || ctx.Err() != nil {
			return err
		}
		in.logger.Debug("pooled SMTP connection no longer works; sending on a new one",
			slog.String("delivery_id", req.DeliveryID), slog.Int("attempt", req.Attempt), slog.Any("err", err))
	}
}

// isReusable reports whether a session can send another message after err:
// after success, or after the server rejected the message with a reply
// other than 421, which closes the session.
func isReusable(err error) bool {
	if err == nil {
		return true
	}
	var sendErr *mail.SendError
	if !errors.As(err, &sendErr) {
		return false
	}
	code := sendErr.ErrorCode()
	switch sendErr.Reason {
	case mail.ErrConnCheck, mail.ErrSMTPReset, mail.ErrWriteContent:
		return false
	}
	return code >= 400 && code < 600 && code != 421
}

// isStaleSession reports whether err shows a session that failed before the
// message started: the NOOP check failed, or MAIL FROM found the connection
// gone or got 421. Sending again on a new session cannot duplicate the message.
func isStaleSession(err error) bool {
	var sendErr *mail.SendError
	if !errors.As(err, &sendErr) {
		return false
	}
	switch sendErr.Reason {
	case mail.ErrConnCheck:
		return true
	case mail.ErrSMTPMailFrom:
		return sendErr.ErrorCode() == 0 || sendErr.ErrorCode() == 421
	}
	return false
}

// Health reports the outcome of the latest connection attempt. It opens no
// connection of its own, so checking health sends nothing to the server.
func (in *instance) Health(context.Context) sdk.Health {
	return in.pool.health()
}

// Close closes the pooled connections.
func (in *instance) Close() error {
	in.pool.close()
	return nil
}
