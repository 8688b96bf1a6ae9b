// Command pulumi-resource-docker bridges the upstream Terraform Docker provider to Pulumi, exposing
// the same type tokens and property names as the @pulumi/docker SDK, so that SDK's resources run
// against it unchanged.
//
// Why it exists: the Go module proxy reachable from our build machines does not serve
// github.com/pulumi/pulumi-docker, but it does serve the upstream provider, the Terraform bridge and
// Pulumi's fork of terraform-plugin-sdk. Only the SDKv2 resources are bridged; the native `Image`
// resource of pulumi-docker is not (this project builds its images with scripts instead).
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	bridgetokens "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// Version is stamped at build time with -ldflags; the bridge refuses an empty version.
var Version string

const packageName = "docker"

func resourceToken(name string) tokens.Type {
	module := "index/" + string(name[0]+('a'-'A')) + name[1:]
	return tokens.Type(packageName + ":" + module + ":" + name)
}

func providerInfo() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:       shimv2.NewProvider(shim.NewProvider(Version)),
		Name:    packageName,
		Version: Version,
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{EnvVars: []string{"DOCKER_HOST"}}},
			// The SDK names this list in the singular and keeps it a list.
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		// Tokens that differ from the mechanical mapping, as published in the @pulumi/docker SDK.
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_config": {Tok: resourceToken("ServiceConfig")},
			// Container names are unique on a daemon, so a replacement must delete the old one first.
			"docker_container": {
				Tok:                 resourceToken("Container"),
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image": {
				Tok:    resourceToken("RemoteImage"),
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
		},
	}
	info.MustComputeTokens(bridgetokens.SingleModule("docker_", "index", bridgetokens.MakeStandard(packageName)))
	info.SetAutonaming(255, "-")
	return info
}

func main() {
	tfbridge.Main(packageName, Version, providerInfo(), []byte(`{"name":"docker"}`))
}
