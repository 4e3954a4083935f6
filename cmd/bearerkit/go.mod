module github.com/bearerkit/bearerkit/cmd/bearerkit

go 1.25.0

require (
	github.com/bearerkit/bearerkit v0.0.0
	github.com/rogpeppe/go-internal v1.16.0
	golang.org/x/term v0.45.0
)

require (
	github.com/jarcoal/httpmock v1.4.2 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/tools v0.26.0 // indirect
)
