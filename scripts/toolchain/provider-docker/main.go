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
	"context"
	"encoding/json"
	"io"
	"sync"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	bridgetokens "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
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

// schemaOnDemand answers GetSchema with the schema generated from the provider info, the way
// pulumi-docker's build generates its published schema. Only schema consumers call it (`pulumi
// package get-schema` binding a component package whose outputs are docker resources, a Pulumi
// YAML program), so it is generated on the first call instead of at every start of the plugin.
type schemaOnDemand struct {
	pulumirpc.ResourceProviderServer
	info   tfbridge.ProviderInfo
	once   sync.Once
	schema []byte
	err    error
}

func (s *schemaOnDemand) GetSchema(ctx context.Context, req *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	if _, err := s.ResourceProviderServer.GetSchema(ctx, req); err != nil {
		return nil, err // an unsupported schema version
	}
	s.once.Do(func() {
		// Only the Terraform schema's own descriptions: no upstream docs repository is looked up.
		sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
		res, err := tfgen.GenerateSchemaWithOptions(tfgen.GenerateSchemaOptions{ProviderInfo: s.info, DiagnosticsSink: sink, XInMemoryDocs: true})
		if err != nil {
			s.err = err
			return
		}
		s.schema, s.err = json.Marshal(res.PackageSpec)
	})
	if s.err != nil {
		return nil, s.err
	}
	return &pulumirpc.GetSchemaResponse{Schema: string(s.schema)}, nil
}

func main() {
	info := providerInfo()
	info.P.InitLogging(context.Background())
	err := provider.Main(packageName, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		bridged := tfbridge.NewProvider(context.TODO(), host, packageName, Version, info.P, info, []byte(`{"name":"docker"}`))
		return &schemaOnDemand{ResourceProviderServer: bridged, info: info}, nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}
