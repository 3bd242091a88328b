package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"
)

// Discord's limits, in characters, as the server checks them.
const (
	maxContent       = 2000
	maxEmbeds        = 10
	maxTitle         = 256
	maxDescription   = 4096
	maxFields        = 25
	maxFieldName     = 256
	maxFieldValue    = 1024
	maxFooter        = 2048
	maxAuthorName    = 256
	maxEmbedTotal    = 6000
	maxUsername      = 80
	maxMentionIDs    = 100
	invalidFormBody  = 50035
	emptyMessageCode = 50006
)

// sentMessage is the body of Execute Webhook or Create Message, as far as the
// server checks it.
type sentMessage struct {
	Content         string           `json:"content"`
	Username        string           `json:"username"`
	AvatarURL       string           `json:"avatar_url"`
	Embeds          []sentEmbed      `json:"embeds"`
	AllowedMentions *allowedMentions `json:"allowed_mentions"`
}

type sentEmbed struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Footer      *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
	Fields []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
}

type allowedMentions struct {
	Parse []string `json:"parse"`
	Users []string `json:"users"`
	Roles []string `json:"roles"`
}

// formErrors collects problems by their path in the body, such as
// "embeds.0.title", for an Invalid Form Body response.
type formErrors map[string][]map[string]string

func (f formErrors) add(path, code, message string) {
	f[path] = append(f[path], map[string]string{"code": code, "message": message})
}

func (f formErrors) maxLength(path, text string, limit int) {
	if length(text) > limit {
		f.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", limit))
	}
}

func (f formErrors) required(path, text string) {
	if strings.TrimSpace(text) == "" {
		f.add(path, "BASE_TYPE_REQUIRED", "This field is required")
	}
}

// length counts code points after trimming surrounding whitespace.
//
// NOTE: Discord does not document whether it counts code points or UTF-16
// units; the fake counts code points.
func length(s string) int {
	return utf8.RuneCountInString(strings.TrimSpace(s))
}

// checkMessage returns the error response for an invalid body, or nil.
func checkMessage(body []byte, webhook bool) *Response {
	var msg sentMessage
	if err := json.Unmarshal(body, &msg); err != nil {
		response := apiError(http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return &response
	}
	problems := formErrors{}
	problems.maxLength("content", msg.Content, maxContent)
	if webhook {
		checkUsername(problems, msg.Username)
		if msg.AvatarURL != "" && !wellFormedURL(msg.AvatarURL) {
			problems.add("avatar_url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")
		}
	}
	checkEmbeds(problems, msg.Embeds)
	checkAllowedMentions(problems, msg.AllowedMentions)

	if len(problems) > 0 {
		response := invalidForm(problems)
		return &response
	}
	if strings.TrimSpace(msg.Content) == "" && len(msg.Embeds) == 0 {
		response := apiError(http.StatusBadRequest, emptyMessageCode, "Cannot send an empty message")
		return &response
	}
	return nil
}

func checkUsername(problems formErrors, name string) {
	if name == "" {
		return
	}
	problems.maxLength("username", name, maxUsername)
	lower := strings.ToLower(name)
	if strings.Contains(lower, "clyde") || strings.Contains(lower, "discord") {
		problems.add("username", "USERNAME_INVALID_CONTAINS", "Username cannot contain \"clyde\" or \"discord\"")
	}
}

func checkEmbeds(problems formErrors, embeds []sentEmbed) {
	if len(embeds) > maxEmbeds {
		problems.add("embeds", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxEmbeds))
		return
	}
	total := 0
	for i, embed := range embeds {
		path := fmt.Sprintf("embeds.%d", i)
		problems.maxLength(path+".title", embed.Title, maxTitle)
		problems.maxLength(path+".description", embed.Description, maxDescription)
		total += length(embed.Title) + length(embed.Description)
		if embed.URL != "" && !wellFormedURL(embed.URL) {
			problems.add(path+".url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")
		}
		if embed.Footer != nil {
			problems.maxLength(path+".footer.text", embed.Footer.Text, maxFooter)
			total += length(embed.Footer.Text)
		}
		if embed.Author != nil {
			problems.required(path+".author.name", embed.Author.Name)
			problems.maxLength(path+".author.name", embed.Author.Name, maxAuthorName)
			total += length(embed.Author.Name)
		}
		if len(embed.Fields) > maxFields {
			problems.add(path+".fields", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxFields))
		}
		for j, field := range embed.Fields {
			fieldPath := fmt.Sprintf("%s.fields.%d", path, j)
			problems.required(fieldPath+".name", field.Name)
			problems.maxLength(fieldPath+".name", field.Name, maxFieldName)
			problems.required(fieldPath+".value", field.Value)
			problems.maxLength(fieldPath+".value", field.Value, maxFieldValue)
			total += length(field.Name) + length(field.Value)
		}
	}
	if total > maxEmbedTotal {
		problems.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", fmt.Sprintf("Embed size exceeds maximum size of %d", maxEmbedTotal))
	}
}

func checkAllowedMentions(problems formErrors, allowed *allowedMentions) {
	if allowed == nil {
		return
	}
	for _, kind := range allowed.Parse {
		switch kind {
		case "users", "roles", "everyone":
		default:
			problems.add("allowed_mentions.parse", "ENUM_TYPE_COERCE", fmt.Sprintf("Value \"%s\" is not a valid enum value.", kind))
		}
		if (kind == "users" && len(allowed.Users) > 0) || (kind == "roles" && len(allowed.Roles) > 0) {
			problems.add("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", "parse:[\""+kind+"\"] and "+kind+": [ids...] are mutually exclusive.")
		}
	}
	if len(allowed.Users) > maxMentionIDs {
		problems.add("allowed_mentions.users", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxMentionIDs))
	}
	if len(allowed.Roles) > maxMentionIDs {
		problems.add("allowed_mentions.roles", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxMentionIDs))
	}
}

func wellFormedURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// invalidForm is the 400 Invalid Form Body response, with the problems nested
// by path as Discord nests them: {"embeds": {"0": {"title": {"_errors": [...]}}}}.
func invalidForm(problems formErrors) Response {
	tree := map[string]any{}
	paths := make([]string, 0, len(problems))
	for path := range problems {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		node := tree
		for _, key := range strings.Split(path, ".") {
			child, ok := node[key].(map[string]any)
			if !ok {
				child = map[string]any{}
				node[key] = child
			}
			node = child
		}
		node["_errors"] = problems[path]
	}
	body, _ := json.Marshal(map[string]any{"code": invalidFormBody, "errors": tree, "message": "Invalid Form Body"})
	return Response{Status: http.StatusBadRequest, Header: http.Header{"Content-Type": {"application/json"}}, Body: string(body)}
}
