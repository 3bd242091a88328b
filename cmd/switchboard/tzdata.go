package main

// The binary embeds the IANA time zone database (about 450 KB), so that a
// route's quiet hours in any time zone work on a host without
// /usr/share/zoneinfo, such as a scratch container image.
import _ "time/tzdata"
