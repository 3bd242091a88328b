package config

import "testing"

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"max_atempts", "max_attempts", 1},
		{"tpye", "type", 1},
		{"listen", "lisetn", 1},
		{"kitten", "sitting", 3},
		{"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	known := []string{"listen", "admin_listen", "admin_token", "instance_id", "shutdown_timeout"}
	tests := []struct {
		word, want string
	}{
		{"lisen", "listen"},
		{"Listen", "listen"},
		{"admin-token", "admin_token"},
		{"shutdown_timout", "shutdown_timeout"},
		{"port", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := closest(tt.word, known); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
