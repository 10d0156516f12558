#!/usr/bin/env bash
# Starts a standalone single-node Kafka broker (KRaft, PLAINTEXT on 127.0.0.1) from the same Maven
# artifacts as Streamlearn, with the Streamlearn topics created, and runs it until Ctrl-C / SIGTERM.
# Its data lives in a temporary directory that is deleted when it stops.
#
#   deploy/local-broker.sh            # port 9092
#   deploy/local-broker.sh 19092      # another port
#
# Then, in another terminal:
#   ./streamlearn run --bootstrap-servers 127.0.0.1:9092 --config deploy/streamlearn.properties
set -euo pipefail
port="${1:-9092}"
exec "$(dirname "$0")/../streamlearn" broker --port "$port"
