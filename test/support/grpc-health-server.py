# A sidecar-like gRPC server for tests: grpc.health.v1.Health/Check answers SERVING, over TLS with the given server
# certificate, and only to clients whose certificate the given CA bundle verifies (as a Thanos sidecar does).
# Debian's python3-grpcio, with no generated code: the one message it sends is written by hand.
#   python3 grpc-health-server.py <cert.pem> <key.pem> <client-ca.pem>
# Prints "listening on <port>" once it serves on 127.0.0.1, then runs until it is terminated.
import signal
import sys

import grpc

# HealthCheckResponse{status: SERVING}: field 1, varint, value 1.
SERVING = b"\x08\x01"


def check(request, context):
    return SERVING


def main():
    cert, key, client_ca = (open(p, "rb").read() for p in sys.argv[1:4])
    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health",
        {"Check": grpc.unary_unary_rpc_method_handler(check, request_deserializer=lambda b: b, response_serializer=lambda b: b)},
    )
    from concurrent import futures

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[handler])
    creds = grpc.ssl_server_credentials([(key, cert)], root_certificates=client_ca, require_client_auth=True)
    port = server.add_secure_port("127.0.0.1:0", creds)
    server.start()
    print(f"listening on {port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    server.wait_for_termination()


if __name__ == "__main__":
    main()
