//go:build tools

// Package tools pins the Pulumi CLI so that `go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi`
// resolves inside this wrapper module (go install refuses modules with replace directives).
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
