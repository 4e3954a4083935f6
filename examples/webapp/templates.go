package main

import (
	"html/template"

	"github.com/bearerkit/bearerkit"
)

// The pages. Elements the end-to-end test looks for have ids.

type homePage struct {
	Email    string
	Sources  []*bearerkit.Source
	Selected *bearerkit.Source
	Columns  []string
	Rows     [][]string
}

type loginPage struct {
	Message, Email string
}

type errorPage struct {
	Message string
}

const layout = `{{define "top"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · bearerkit web app</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
header { display: flex; justify-content: space-between; align-items: center; border-bottom: 1px solid #ddd; margin-bottom: 1rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #eee; }
tr.selected { background: #eef5ff; }
.message { padding: .5rem 1rem; background: #fff6d6; border: 1px solid #e8d48a; }
form.login { display: grid; gap: .6rem; max-width: 20rem; }
.broken { color: #b00; }
</style>
</head>
<body>
{{end}}
{{define "bottom"}}</body>
</html>
{{end}}`

var loginTmpl = template.Must(template.Must(template.New("layout").Parse(layout)).New("login").Parse(`{{template "top" "Log in"}}
<h1>Log in to the data platform</h1>
{{with .Message}}<p class="message" id="message">{{.}}</p>{{end}}
<form class="login" id="login" method="post" action="/login">
<label>E-mail <input type="email" name="email" id="email" value="{{.Email}}" autocomplete="username" required></label>
<label>Password <input type="password" name="password" id="password" autocomplete="current-password" required></label>
<button type="submit" id="submit">Log in</button>
</form>
{{template "bottom"}}`))

var homeTmpl = template.Must(template.Must(template.New("layout").Parse(layout)).New("home").Parse(`{{template "top" "Sources"}}
<header>
<h1>Sources</h1>
<div>Logged in as <strong id="user">{{.Email}}</strong>
<form method="post" action="/logout" style="display:inline"><button type="submit" id="logout">Log out</button></form></div>
</header>
<table id="sources">
<thead><tr><th>ID</th><th>Label</th><th>Type</th><th>Status</th><th></th></tr></thead>
<tbody>
{{range .Sources}}<tr class="source{{if eq .ID $.Selected.ID}} selected{{end}}" data-id="{{.ID}}">
<td>{{.ID}}</td><td>{{.Label}}</td><td>{{.Type}}</td><td{{if eq .Status "broken"}} class="broken"{{end}}>{{.Status}}</td>
<td><a href="/?source={{.ID}}">preview</a></td></tr>
{{else}}<tr><td colspan="5">No sources.</td></tr>
{{end}}</tbody>
</table>
{{with .Selected}}<h2>Preview of <span id="preview-label">{{.Label}}</span></h2>{{end}}
{{if .Selected}}<table id="preview">
<thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr class="row">{{range .}}<td>{{.}}</td>{{end}}</tr>
{{else}}<tr><td>No rows.</td></tr>
{{end}}</tbody>
</table>{{end}}
{{template "bottom"}}`))

var errorTmpl = template.Must(template.Must(template.New("layout").Parse(layout)).New("error").Parse(`{{template "top" "Error"}}
<h1>Something went wrong</h1>
<p class="message" id="error">{{.Message}}</p>
<p><a href="/">Back</a></p>
{{template "bottom"}}`))
