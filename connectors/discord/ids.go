package discord

import "strconv"

// isSnowflake reports whether s is a Discord id: a decimal number that fits in
// 64 bits, with no sign and no leading zero.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 || s[0] == '0' {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}
