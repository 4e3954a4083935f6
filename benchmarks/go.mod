module github.com/bearerkit/bearerkit/benchmarks

go 1.25.0

require (
	github.com/bearerkit/bearerkit v0.0.0
	golang.org/x/oauth2 v0.36.0
)

replace github.com/bearerkit/bearerkit => ../
