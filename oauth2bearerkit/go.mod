module github.com/bearerkit/bearerkit/oauth2bearerkit

go 1.25.0

require (
	github.com/bearerkit/bearerkit v0.0.0-00010101000000-000000000000
	golang.org/x/oauth2 v0.36.0
)

require github.com/jarcoal/httpmock v1.4.2 // indirect

replace github.com/bearerkit/bearerkit => ../
