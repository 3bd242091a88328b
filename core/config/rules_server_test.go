package config

import "testing"

func TestIsPlaceholder(t *testing.T) {
	for _, tt := range []struct {
		secret string
		want   bool
	}{
		{"local-dev-secret-change-me", true},
		{"please change me now okay", true},
		{"CHANGEME-0123456789abcdef", true},
		{"change_me_0123456789", true},
		{"3f1b0c7e9a8d2b4c6e5f7a9b", false},
		{"exchange-message-key-01", false},
	} {
		if got := isPlaceholder(tt.secret); got != tt.want {
			t.Errorf("isPlaceholder(%q) = %v, want %v", tt.secret, got, tt.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for _, tt := range []struct {
		address string
		want    bool
	}{
		{"127.0.0.1:8470", true},
		{"localhost:8470", true},
		{"[::1]:8470", true},
		{"0.0.0.0:8470", false},
		{":8470", false},
		{"10.0.0.5:8470", false},
		{"not an address", false},
	} {
		if got := isLoopback(tt.address); got != tt.want {
			t.Errorf("isLoopback(%q) = %v, want %v", tt.address, got, tt.want)
		}
	}
}
