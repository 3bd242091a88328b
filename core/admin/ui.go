package admin

import "net/http"

type ui struct{}

func newUI(*server, bool) (*ui, error) { return &ui{}, nil }
func (u *ui) register(*http.ServeMux)  {}
