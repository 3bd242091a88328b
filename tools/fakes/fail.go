package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
)

// failure is one --fail value: answer the next count requests of method
// whose path starts with prefix with status.
type failure struct {
	method string
	prefix string
	count  int
	status int
}

// failFlags collects repeated --fail METHOD:PREFIX:N:STATUS values.
type failFlags []failure

func (f *failFlags) String() string { return fmt.Sprint(*f) }

func (f *failFlags) Set(value string) error {
	parts := strings.Split(value, ":")
	if len(parts) != 4 {
		return fmt.Errorf("%q is not METHOD:PREFIX:N:STATUS, such as PATCH:/repos/acme/web/issues:2:502", value)
	}
	count, err := strconv.Atoi(parts[2])
	if err != nil || count < 1 {
		return fmt.Errorf("%q: N must be a count of requests of 1 or more", value)
	}
	status, err := strconv.Atoi(parts[3])
	if err != nil || status < 400 || status > 599 {
		return fmt.Errorf("%q: STATUS must be an HTTP error status from 400 to 599", value)
	}
	if !strings.HasPrefix(parts[1], "/") {
		return fmt.Errorf("%q: PREFIX must be a path starting with /, such as /repos/acme/web/issues", value)
	}
	*f = append(*f, failure{method: strings.ToUpper(parts[0]), prefix: parts[1], count: count, status: status})
	return nil
}

// apply scripts the failures into the fake GitHub.
func (f failFlags) apply(fake *githubfake.Server) {
	for _, x := range f {
		fake.Fail(x.method, x.prefix, x.count, githubfake.Failure{Status: x.status, Message: "failure scripted with --fail"})
	}
}

// describe returns what a failure does, for the startup output.
func (x failure) describe() string {
	return fmt.Sprintf("the next %d %s %s* requests get %d %s", x.count, x.method, x.prefix, x.status, http.StatusText(x.status))
}
