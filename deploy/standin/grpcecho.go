package main

// The ephemos role: ephemos.echo.v1.EchoService/Echo on 8080 (the proto of
// scenarios/k6/proto/echo.proto, described here in code so no protoc is needed), the standard
// gRPC health service for the kubelet's grpc probes, server reflection, metrics on 9090.
// No mTLS: SPIRE cannot be built here (deploy/README.md).

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

const echoMethod = "/ephemos.echo.v1.EchoService/Echo"

func echoDescriptors() (req, resp protoreflect.MessageDescriptor, err error) {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	msg := func(name string) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{Name: proto.String(name), Field: []*descriptorpb.FieldDescriptorProto{
			{Name: proto.String("message"), JsonName: proto.String("message"), Number: proto.Int32(1), Type: str, Label: opt},
		}}
	}
	fdp := &descriptorpb.FileDescriptorProto{
		Name:        proto.String("echo.proto"),
		Package:     proto.String("ephemos.echo.v1"),
		Syntax:      proto.String("proto3"),
		Options:     &descriptorpb.FileOptions{GoPackage: proto.String("ephemos/echo/v1;echov1")},
		MessageType: []*descriptorpb.DescriptorProto{msg("EchoRequest"), msg("EchoResponse")},
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("EchoService"),
			Method: []*descriptorpb.MethodDescriptorProto{{
				Name: proto.String("Echo"), InputType: proto.String(".ephemos.echo.v1.EchoRequest"), OutputType: proto.String(".ephemos.echo.v1.EchoResponse"),
			}},
		}},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		return nil, nil, err
	}
	if err := protoregistry.GlobalFiles.RegisterFile(fd); err != nil {
		return nil, nil, err
	}
	return fd.Messages().ByName("EchoRequest"), fd.Messages().ByName("EchoResponse"), nil
}

type grpcListener struct {
	srv *grpc.Server
}

func (g *grpcListener) Name() string   { return "grpc" }
func (g *grpcListener) CloseSessions() {}
func (g *grpcListener) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { g.srv.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		g.srv.Stop()
	}
	return nil
}

func runEphemosEcho(s *Standin, cfg Config) error {
	reqDesc, respDesc, err := echoDescriptors()
	if err != nil {
		return err
	}
	handled := s.Reg.Counter("grpc_server_handled_total", "gRPC calls completed, by method and code.", "grpc_method", "grpc_code")
	dur := s.Reg.Histogram("grpc_server_handling_seconds", "gRPC call latency.", DefaultBuckets, "grpc_method")
	s.Reg.Gauge("ephemos_spire_agent_connection_status", "1 when connected to a SPIRE agent (the stand-in runs without SPIRE: 0).")
	var draining atomic.Bool
	track := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if info.FullMethod != echoMethod {
			return h(ctx, req)
		}
		done := s.W.Begin()
		start := time.Now()
		BurnCPU(s.Cost)
		out, err := h(ctx, req)
		handled.With("Echo", status.Code(err).String()).Inc()
		dur.Observe(time.Since(start).Seconds(), "Echo")
		s.httpReqs.With("POST", "200").Inc()
		done()
		return out, err
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(track))
	field := reqDesc.Fields().ByName("message")
	outField := respDesc.Fields().ByName("message")
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "ephemos.echo.v1.EchoService",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Echo",
			Handler: func(srvImpl any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
				in := dynamicpb.NewMessage(reqDesc)
				if err := dec(in); err != nil {
					return nil, status.Error(codes.InvalidArgument, err.Error())
				}
				h := func(ctx context.Context, req any) (any, error) {
					out := dynamicpb.NewMessage(respDesc)
					out.Set(outField, req.(*dynamicpb.Message).Get(field))
					return out, nil
				}
				if ic == nil {
					return h(ctx, in)
				}
				return ic(ctx, in, &grpc.UnaryServerInfo{Server: srvImpl, FullMethod: echoMethod}, h)
			},
		}},
		Metadata: "echo.proto",
	}, struct{}{})
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)
	s.L.OnReadyChange(func(ready bool) {
		st := healthpb.HealthCheckResponse_SERVING
		if !ready {
			st = healthpb.HealthCheckResponse_NOT_SERVING
			draining.Store(true)
		}
		hs.SetServingStatus("", st)
		hs.SetServingStatus("ephemos.echo.v1.EchoService", st)
	})
	hs.SetServingStatus("ephemos.echo.v1.EchoService", healthpb.HealthCheckResponse_SERVING)
	ln, err := net.Listen("tcp", cfg.addr(8080))
	if err != nil {
		return err
	}
	s.L.Add(&grpcListener{srv: srv})
	go func() { _ = srv.Serve(ln) }()
	return s.ServeMetrics(cfg.addr(9090))
}
