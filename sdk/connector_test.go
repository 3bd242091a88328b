package sdk

import "testing"

func TestIsUntrustedItem(t *testing.T) {
	tests := []struct {
		name      string
		untrusted []string
		item      int
		want      bool
	}{
		{"literal list", nil, 0, false},
		{"templated item", []string{"to", "to[1]"}, 1, true},
		{"literal item beside a templated one", []string{"to", "to[1]"}, 0, false},
		{"items not named", []string{"to"}, 0, true},
		{"another list's items", []string{"cc[0]", "to"}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &DeliveryRequest{Untrusted: tc.untrusted}
			if got := req.IsUntrustedItem("to", tc.item); got != tc.want {
				t.Errorf("IsUntrustedItem(to, %d) with %v = %t, want %t", tc.item, tc.untrusted, got, tc.want)
			}
		})
	}
}
