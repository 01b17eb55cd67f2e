// Calls Switchyard from Go with the generated client in clients/go.
//
// Reads a model's metadata, streams a Chat printing tokens as they arrive, then makes a call the
// server refuses (a Chat with no messages) and reads the google.rpc details of the error.
//
// Builds in GOPATH mode with Debian's Go 1.19 and golang-google-grpc-dev (no module proxy):
// see "Calling Switchyard from Python / Go / TypeScript" in the README.
//
//	SWITCHYARD_ADDR=127.0.0.1:50051 SWITCHYARD_KEY=... ./switchyard-example
//
// Optional: SWITCHYARD_MODEL (default openai/gpt-4o-mini), SWITCHYARD_PROMPT.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	switchyardv1 "github.com/switchyard/switchyard/clients/go/switchyard/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := env("SWITCHYARD_ADDR", "127.0.0.1:50051")
	model := env("SWITCHYARD_MODEL", "openai/gpt-4o-mini")
	prompt := env("SWITCHYARD_PROMPT", "Say hello.")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Every call carries the key as a bearer token (none in dev mode).
	if key := os.Getenv("SWITCHYARD_KEY"); key != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
	}

	// Plaintext, as Switchyard listens by default; put TLS credentials here in production.
	conn, err := grpc.Dial(addr, grpc.WithInsecure())
	if err != nil {
		return err
	}
	defer conn.Close()
	router := switchyardv1.NewRouterServiceClient(conn)

	// 1. Model metadata.
	meta, err := router.ModelMetadata(ctx, &switchyardv1.ModelMetadataRequest{Model: model})
	if err != nil {
		return err
	}
	m := meta.GetModel()
	fmt.Printf("model %s provider=%s context_window=%d max_output_tokens=%d input_price=%d output_price=%d\n",
		m.GetId(), m.GetProvider(), m.GetContextWindow(), m.GetMaxOutputTokens(), m.GetPricing().GetInput(), m.GetPricing().GetOutput())

	// 2. A streamed chat: print each text delta as soon as it arrives (stdout is unbuffered).
	stream, err := router.Chat(ctx, &switchyardv1.ChatRequest{
		Model:    model,
		Messages: []*switchyardv1.Message{{Role: switchyardv1.Role_ROLE_USER, Content: prompt}},
	})
	if err != nil {
		return err
	}
	fmt.Print("text: ")
	var usage *switchyardv1.Usage
	for {
		ev, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch e := ev.GetEvent().(type) {
		case *switchyardv1.ChatResponse_Delta:
			fmt.Print(e.Delta.GetText())
		case *switchyardv1.ChatResponse_Usage:
			usage = e.Usage
		case *switchyardv1.ChatResponse_Finish:
			fmt.Println()
			fmt.Printf("finish %s input_tokens=%d output_tokens=%d cost=%d\n",
				e.Finish.GetReason(), usage.GetInputTokens(), usage.GetOutputTokens(), usage.GetCost())
			if fe := e.Finish.GetError(); fe != nil {
				fmt.Printf("finish_error %s: %s\n", fe.GetCode(), fe.GetMessage())
			}
		}
	}

	// 3. A refused call. grpc-go decodes the `grpc-status-details-bin` trailer into the status;
	//    its details are google.rpc.ErrorInfo (the reason) and, for bad input, BadRequest.
	refused, err := router.Chat(ctx, &switchyardv1.ChatRequest{Model: model})
	if err == nil {
		_, err = refused.Recv() // a server stream reports its status on the first Recv
	}
	st, ok := status.FromError(err)
	if err == nil || err == io.EOF || !ok {
		return fmt.Errorf("the empty chat was not refused (%v)", err)
	}
	fmt.Printf("refused code=%d (%s) message=%s\n", int(st.Code()), st.Code(), st.Message())
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			keys := make([]string, 0, len(d.GetMetadata()))
			for k := range d.GetMetadata() {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			line := fmt.Sprintf("error_info reason=%s domain=%s", d.GetReason(), d.GetDomain())
			for _, k := range keys {
				line += fmt.Sprintf(" metadata.%s=%s", k, d.GetMetadata()[k])
			}
			fmt.Println(strings.TrimSpace(line))
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				fmt.Printf("violation %s: %s\n", v.GetField(), v.GetDescription())
			}
		}
	}
	return nil
}
