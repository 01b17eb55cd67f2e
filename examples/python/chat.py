"""Calls Switchyard from Python with the generated client in clients/python.

Reads a model's metadata, streams a Chat printing tokens as they arrive, then makes a call the
server refuses (a Chat with no messages) and reads the google.rpc details of the error.

Run with Debian's Python, where python3-grpcio and python3-protobuf are installed:
    SWITCHYARD_ADDR=127.0.0.1:50051 SWITCHYARD_KEY=... /usr/bin/python3 examples/python/chat.py
Optional: SWITCHYARD_MODEL (default openai/gpt-4o-mini), SWITCHYARD_PROMPT.
"""

import os
import sys

# The generated modules (clients/python) are not installed: put them on the path.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))

import grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from switchyard.v1 import common_pb2, router_pb2, router_pb2_grpc  # noqa: E402


def main() -> int:
    addr = os.environ.get("SWITCHYARD_ADDR", "127.0.0.1:50051")
    key = os.environ.get("SWITCHYARD_KEY", "")
    model = os.environ.get("SWITCHYARD_MODEL", "openai/gpt-4o-mini")
    prompt = os.environ.get("SWITCHYARD_PROMPT", "Say hello.")
    # Every call carries the key as a bearer token (none in dev mode).
    metadata = [("authorization", f"Bearer {key}")] if key else []

    with grpc.insecure_channel(addr) as channel:
        router = router_pb2_grpc.RouterServiceStub(channel)

        # 1. Model metadata.
        m = router.ModelMetadata(router_pb2.ModelMetadataRequest(model=model), metadata=metadata, timeout=30).model
        print(
            f"model {m.id} provider={m.provider} context_window={m.context_window} "
            f"max_output_tokens={m.max_output_tokens} input_price={m.pricing.input} output_price={m.pricing.output}"
        )

        # 2. A streamed chat: print each text delta as soon as it arrives.
        request = router_pb2.ChatRequest(
            model=model,
            messages=[common_pb2.Message(role=common_pb2.ROLE_USER, content=prompt)],
        )
        usage = common_pb2.Usage()
        print("text: ", end="", flush=True)
        for event in router.Chat(request, metadata=metadata, timeout=60):
            kind = event.WhichOneof("event")
            if kind == "delta":
                print(event.delta.text, end="", flush=True)
            elif kind == "usage":
                usage = event.usage
            elif kind == "finish":
                print()
                print(
                    f"finish {router_pb2.FinishReason.Name(event.finish.reason)} "
                    f"input_tokens={usage.input_tokens} output_tokens={usage.output_tokens} cost={usage.cost}"
                )
                if event.finish.HasField("error"):
                    print(f"finish_error {event.finish.error.code}: {event.finish.error.message}")

        # 3. A refused call: the reason is in google.rpc.ErrorInfo, carried with any other
        #    details in the `grpc-status-details-bin` trailer (a serialized google.rpc.Status).
        try:
            for _ in router.Chat(router_pb2.ChatRequest(model=model), metadata=metadata, timeout=30):
                pass
        except grpc.RpcError as err:
            print(f"refused code={err.code().value[0]} ({err.code().name}) message={err.details()}")
            print_error_details(err)
            return 0
        print("the empty chat was not refused", file=sys.stderr)
        return 1


def print_error_details(err: grpc.RpcError) -> None:
    trailers = dict(err.trailing_metadata() or ())
    raw = trailers.get("grpc-status-details-bin")
    if raw is None:
        return
    status = status_pb2.Status.FromString(raw)
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(info):
            meta = " ".join(f"metadata.{k}={v}" for k, v in sorted(info.metadata.items()))
            print(f"error_info reason={info.reason} domain={info.domain} {meta}".rstrip())
        elif detail.Unpack(bad):
            for v in bad.field_violations:
                print(f"violation {v.field}: {v.description}")


if __name__ == "__main__":
    sys.exit(main())
