package turboapi

import (
	"context"
	"net/http"
	"time"
)

// Author types of a comment. Turbo answers comments of type user with its AI
// responders; a comment that Switchboard copies from elsewhere may set
// AuthorAI so that they stay quiet.
const (
	AuthorUser = "user"
	AuthorAI   = "ai"
)

// Comment is a comment as Turbo's API returns it.
type Comment struct {
	ID         string    `json:"id"`
	EntityType string    `json:"entity_type"`
	EntityID   string    `json:"entity_id"`
	Content    string    `json:"content"`
	AuthorName string    `json:"author_name"`
	AuthorType string    `json:"author_type"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// CommentCreate is the body of POST /comments/.
type CommentCreate struct {
	// EntityType is what the comment is on, such as "issue".
	EntityType string `json:"entity_type"`
	EntityID   string `json:"entity_id"`
	Content    string `json:"content"`
	AuthorName string `json:"author_name"`
	// AuthorType is AuthorUser or AuthorAI.
	AuthorType string `json:"author_type"`
}

// CreateComment adds a comment to an entity.
func (c *Client) CreateComment(ctx context.Context, create CommentCreate) (*Comment, error) {
	var comment Comment
	if err := c.do(ctx, http.MethodPost, "comments/", create, &comment); err != nil {
		return nil, err
	}
	return &comment, nil
}

// UpdateComment replaces a comment's content.
func (c *Client) UpdateComment(ctx context.Context, id, content string) (*Comment, error) {
	var comment Comment
	body := map[string]string{"content": content}
	if err := c.do(ctx, http.MethodPut, "comments/id/"+escape(id), body, &comment); err != nil {
		return nil, err
	}
	return &comment, nil
}

// DeleteComment deletes a comment.
func (c *Client) DeleteComment(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "comments/id/"+escape(id), nil, nil)
}
