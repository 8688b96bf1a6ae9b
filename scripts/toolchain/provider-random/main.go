// Command pulumi-resource-random serves the `RandomPassword` resource of the @pulumi/random SDK.
//
// Why it exists: the Go module proxy reachable from our build machines serves neither
// github.com/pulumi/pulumi-random nor a Terraform random provider recent enough to bridge, and this
// project needs exactly one resource from that package: the Grafana admin password. This provider
// implements that resource with the SDK's type token, inputs and outputs (`result` and `bcryptHash`
// are secrets), and refuses every other token with a clear error.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Version is stamped at build time with -ldflags.
var Version string

const passwordToken = "random:index/randomPassword:RandomPassword"

// The character classes and default special set of the upstream random provider.
const (
	upperChars          = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerChars          = "abcdefghijklmnopqrstuvwxyz"
	numericChars        = "0123456789"
	defaultSpecialChars = "!@#$%&*()-_=+[]{}<>:?"
)

var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func main() {
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, &provider{})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: %v\n", err)
		os.Exit(1)
	}
}

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: `{"name":"random","version":"` + Version + `"}`}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func requirePassword(typ string, urn string) error {
	if typ == "" {
		typ = string(resource.URN(urn).Type())
	}
	if typ != passwordToken {
		return fmt.Errorf("this build of the random provider implements only %s, not %s", passwordToken, typ)
	}
	return nil
}

// passwordSpec is the validated input of a RandomPassword.
type passwordSpec struct {
	length                                     int
	upper, lower, numeric, special             bool
	minUpper, minLower, minNumeric, minSpecial int
	overrideSpecial                            string
}

// defaultedInputs fills in the upstream defaults, so that state and diffs show them explicitly.
func defaultedInputs(news resource.PropertyMap) resource.PropertyMap {
	out := news.Copy()
	for _, key := range []resource.PropertyKey{"upper", "lower", "numeric", "special"} {
		if _, ok := out[key]; !ok {
			out[key] = resource.NewBoolProperty(true)
		}
	}
	for _, key := range []resource.PropertyKey{"minUpper", "minLower", "minNumeric", "minSpecial"} {
		if _, ok := out[key]; !ok {
			out[key] = resource.NewNumberProperty(0)
		}
	}
	return out
}

func specOf(props resource.PropertyMap) (passwordSpec, []*pulumirpc.CheckFailure) {
	var failures []*pulumirpc.CheckFailure
	num := func(key resource.PropertyKey) int {
		v := props[key]
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
		if v.IsNumber() {
			return int(v.NumberValue())
		}
		return 0
	}
	flag := func(key resource.PropertyKey) bool {
		v := props[key]
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
		return v.IsBool() && v.BoolValue()
	}
	s := passwordSpec{
		length: num("length"), upper: flag("upper"), lower: flag("lower"), numeric: flag("numeric"),
		special: flag("special"), minUpper: num("minUpper"), minLower: num("minLower"),
		minNumeric: num("minNumeric"), minSpecial: num("minSpecial"),
	}
	if v, ok := props["overrideSpecial"]; ok && v.IsString() {
		s.overrideSpecial = v.StringValue()
	}
	if _, ok := props["length"]; !ok {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "length", Reason: "length is required"})
	} else if s.length < 1 {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "length",
			Reason: fmt.Sprintf("length: %d is not allowed: must be at least 1", s.length)})
	}
	if mins := s.minUpper + s.minLower + s.minNumeric + s.minSpecial; mins > s.length {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "length",
			Reason: fmt.Sprintf("length: %d is less than the sum of the min* settings (%d)", s.length, mins)})
	}
	if !s.upper && !s.lower && !s.numeric && !s.special {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "upper",
			Reason: "at least one of upper, lower, numeric and special must be true"})
	}
	return s, failures
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := requirePassword(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), marshalOpts)
	if err != nil {
		return nil, err
	}
	inputs := defaultedInputs(news)
	var failures []*pulumirpc.CheckFailure
	if !inputs.ContainsUnknowns() {
		_, failures = specOf(inputs)
	}
	marshalled, err := plugin.MarshalProperties(inputs, marshalOpts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: marshalled, Failures: failures}, nil
}

// Diff replaces on any input change: a new password is the only meaningful "update".
func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := plugin.UnmarshalProperties(req.GetOldInputs(), marshalOpts)
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = plugin.UnmarshalProperties(req.GetOlds(), marshalOpts); err != nil {
			return nil, err
		}
		delete(olds, "result")
		delete(olds, "bcryptHash")
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), marshalOpts)
	if err != nil {
		return nil, err
	}
	diff := olds.Diff(news)
	if diff == nil || !diff.AnyChanges() {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	var changed []string
	for _, key := range diff.ChangedKeys() {
		changed = append(changed, string(key))
	}
	sort.Strings(changed)
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Replaces: changed, Diffs: changed}, nil
}

func (p *provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := requirePassword(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	inputs, err := plugin.UnmarshalProperties(req.GetProperties(), marshalOpts)
	if err != nil {
		return nil, err
	}
	outputs := inputs.Copy()
	if req.GetPreview() {
		outputs["result"] = resource.MakeSecret(resource.MakeComputed(resource.NewStringProperty("")))
		outputs["bcryptHash"] = resource.MakeSecret(resource.MakeComputed(resource.NewStringProperty("")))
	} else {
		spec, failures := specOf(inputs)
		if len(failures) > 0 {
			return nil, fmt.Errorf("%s", failures[0].Reason)
		}
		password, err := generatePassword(spec)
		if err != nil {
			return nil, err
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
		if err != nil {
			return nil, err
		}
		outputs["result"] = resource.MakeSecret(resource.NewStringProperty(password))
		outputs["bcryptHash"] = resource.MakeSecret(resource.NewStringProperty(string(hash)))
	}
	marshalled, err := plugin.MarshalProperties(outputs, marshalOpts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: "none", Properties: marshalled}, nil
}

// Read returns the state unchanged: a password lives only in Pulumi's state.
func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (p *provider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func randomChar(alphabet string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
	if err != nil {
		return 0, err
	}
	return alphabet[n.Int64()], nil
}

// generatePassword satisfies every minimum first, fills up from all enabled classes, then shuffles,
// so the minima give no positional hints.
func generatePassword(spec passwordSpec) (string, error) {
	special := defaultSpecialChars
	if spec.overrideSpecial != "" {
		special = spec.overrideSpecial
	}
	type class struct {
		enabled bool
		chars   string
		min     int
	}
	classes := []class{
		{spec.upper, upperChars, spec.minUpper},
		{spec.lower, lowerChars, spec.minLower},
		{spec.numeric, numericChars, spec.minNumeric},
		{spec.special, special, spec.minSpecial},
	}
	var all strings.Builder
	var out []byte
	for _, c := range classes {
		if !c.enabled {
			continue
		}
		all.WriteString(c.chars)
		for i := 0; i < c.min; i++ {
			ch, err := randomChar(c.chars)
			if err != nil {
				return "", err
			}
			out = append(out, ch)
		}
	}
	for len(out) < spec.length {
		ch, err := randomChar(all.String())
		if err != nil {
			return "", err
		}
		out = append(out, ch)
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}
