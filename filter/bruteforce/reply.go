package bruteforce

import (
	"strconv"

	"github.com/bulwark-dev/bulwark/filter/internal/jsontext"
)

// CodeBanned is the code of the reply to a banned client.
const CodeBanned = "too_many_failures"

// MessageBanned is the message of the reply to a banned client.
const MessageBanned = "Too many failed authentication attempts came from this address. Retry later."

// maxRequestIDBytes bounds the x-request-id copied into the body, as
// filter.MaxRequestIDBytes does for the other replies.
const maxRequestIDBytes = 128

// Reply is the local reply to a banned client.
type Reply struct {
	Status  int
	Body    []byte
	Headers [][2]string
}

// Reply returns the reply to a client under ban: the configured status,
// Retry-After in whole seconds, and the JSON body of the filter's other
// replies, {"code":…,"message":…,"request_id":…}.
func (g *Guard) Reply(ban Ban, requestID string) Reply {
	body := make([]byte, 0, 160+len(requestID))
	body = append(body, `{"code":`...)
	body = jsontext.AppendString(body, CodeBanned)
	body = append(body, `,"message":`...)
	body = jsontext.AppendString(body, MessageBanned)
	if requestID != "" && len(requestID) <= maxRequestIDBytes {
		body = append(body, `,"request_id":`...)
		body = jsontext.AppendString(body, requestID)
	}
	body = append(body, '}')

	return Reply{
		Status: g.cfg.Status,
		Body:   body,
		Headers: [][2]string{
			{"content-type", "application/json"},
			{"retry-after", strconv.FormatInt(ban.RetryAfter, 10)},
		},
	}
}
