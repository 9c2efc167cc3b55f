# Shared pieces of the benchmark scripts; source it from the repository root.
# Provides: log, build_weft_and_hello (sets WEFT, HELLO), free_port, wait_ready, measure.

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}

log() { printf '==> %s\n' "$*" >&2; }

# WEFT_BIN=PATH measures that weft binary (e.g. a build of an earlier commit) instead of
# building this checkout's.
build_weft_and_hello() {
  log "building weft (release) and the hello example"
  if [ -n "${WEFT_BIN:-}" ]; then
    WEFT=$WEFT_BIN
  else
    cargo build --release --locked -p weft >&2
    WEFT=$PWD/target/release/weft
  fi
  cargo build --release --locked --target wasm32-wasip2 \
    --manifest-path examples/hello/Cargo.toml --target-dir target/examples >&2
  HELLO=$PWD/target/examples/wasm32-wasip2/release/http_hello_world.wasm
}

ensure_wrk() {
  if ! command -v wrk >/dev/null; then
    log "installing wrk"
    local sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q wrk >&2
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_ready() {
  local url=$1
  for _ in $(seq 1 400); do
    curl -sf -o /dev/null "$url" && return 0
    sleep 0.05
  done
  echo "server at $url never answered" >&2
  return 1
}

# Prints "req_per_s p50_ms p99_ms" for one wrk run against $1 (after a 1 s warm-up).
measure() {
  local url=$1 out
  wrk -t"$THREADS" -c"$CONNECTIONS" -d1s "$url" >/dev/null 2>&1
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
  python3 - "$out" <<'PY'
import re, sys
text = sys.argv[1]
def ms(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors:
    sys.exit(f"non-2xx responses: {errors.group(1)}")
print(f"{rps:.0f} {p50:.3f} {p99:.3f}")
PY
}

# Reads "NAME<TAB>req p50 p99" lines on stdin; prints medians with ratios against NAME $1.
summarize() { python3 scripts/lib/summarize.py "$1"; }
