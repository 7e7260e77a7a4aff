#!/usr/bin/env bash
# Benchmark of `opsbook verify` on an object storage set, side by side:
#   the same files verified from local disk (a folder set),
#   the same objects verified from a local S3 server (s3s-fs on 127.0.0.1),
#   the same objects fetched by `aws s3 cp … -` piped into b3sum, one by one,
# printed as ratios of medians (hyperfine), plus opsbook's peak RSS on one
# large object (/usr/bin/time -v). The server keeps objects as plain files:
# its root holds hard links to the local set, so the bytes are the same and
# the corpus is made once. The corpus goes under BENCH_DIR (default
# /dev/shm, so the disk is not the bottleneck nor filled) and is removed at
# the end unless BENCH_KEEP=1.
#
#   cargo build --release && bash benches/s3.sh
#
# Knobs: BENCH_RUNS (default 3), BENCH_FILES (8), BENCH_FILE_MIB (128),
# BENCH_BIG_MIB (1024: the object whose peak memory is measured).
# Needs: hyperfine, b3sum, s3s-fs (cargo install s3s-fs@0.14.1 --locked
# --features binary), /usr/bin/time; the aws CLI where it installs (pip
# install awscli), else that comparison is left out and said to be.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-3}
FILES=${BENCH_FILES:-8}
FILE_MIB=${BENCH_FILE_MIB:-128}
BIG_MIB=${BENCH_BIG_MIB:-1024}
OPSBOOK=${OPSBOOK:-$PWD/target/release/opsbook}

for tool in hyperfine b3sum s3s-fs /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
[ -x "$OPSBOOK" ] || { echo "build first: cargo build --release" >&2; exit 2; }
HAVE_AWS=0
command -v aws >/dev/null && aws --version >/dev/null 2>&1 && HAVE_AWS=1

ROOT=$(mktemp -d "${BENCH_DIR:-/dev/shm}/opsbook-s3-bench.XXXXXX")
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$ROOT"
}
trap cleanup EXIT
echo "corpus in $ROOT"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_DEFAULT_REGION=us-east-1
unset AWS_ENDPOINT AWS_PROFILE http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
ENDPOINT="http://127.0.0.1:$PORT"

echo "--- making the corpus"
mkdir -p "$ROOT/local/set" "$ROOT/local/big" "$ROOT/server/bench/set" "$ROOT/server/bench/big"
for i in $(seq 1 "$FILES"); do
  head -c $((FILE_MIB << 20)) /dev/urandom > "$ROOT/local/set/part$i.bin"
  ln "$ROOT/local/set/part$i.bin" "$ROOT/server/bench/set/part$i.bin"
done
head -c $((BIG_MIB << 20)) /dev/urandom > "$ROOT/local/big/one.bin"
ln "$ROOT/local/big/one.bin" "$ROOT/server/bench/big/one.bin"

cat > "$ROOT/local/opsbook.toml" <<EOF
[project]
name = "bench"

[[backups]]
name = "disk"
path = "set"

[[backups]]
name = "s3"
path = "s3://bench/set"
endpoint = "$ENDPOINT"

[[backups]]
name = "big"
path = "s3://bench/big"
endpoint = "$ENDPOINT"
EOF

s3s-fs --host 127.0.0.1 --port "$PORT" --access-key "$AWS_ACCESS_KEY_ID" \
  --secret-key "$AWS_SECRET_ACCESS_KEY" "$ROOT/server" >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

V="$OPSBOOK -C $ROOT/local --quiet verify --full"
# Each run starts from no state: every file is read, none is compared.
PREP="rm -rf $ROOT/local/state"

# The peer: each object fetched by the aws CLI and hashed by b3sum, one
# after another (a script: hyperfine's shell would drop an exported function).
{
  echo "for i in \$(seq 1 $FILES); do"
  echo "  aws --endpoint-url $ENDPOINT s3 cp s3://bench/set/part\$i.bin - | b3sum --no-names"
  echo "done"
} > "$ROOT/aws_b3sum.sh"
if [ "$HAVE_AWS" = 1 ]; then
  # Path-style addressing for a server on an IP address.
  printf '[default]\ns3 =\n    addressing_style = path\n' > "$ROOT/aws-config"
  export AWS_CONFIG_FILE="$ROOT/aws-config"
fi

median() { jq -r ".results[$1].median" "$ROOT/hf.json"; }
echo "--- timing ($RUNS runs each, page cache warm)"
commands=("$V --set disk" "$V --set s3")
[ "$HAVE_AWS" = 1 ] && commands+=("bash $ROOT/aws_b3sum.sh")
hyperfine --runs "$RUNS" --warmup 1 --prepare "$PREP" --export-json "$ROOT/hf.json" "${commands[@]}"
DISK=$(median 0)
S3=$(median 1)
TOTAL_MIB=$((FILES * FILE_MIB))
echo
printf 'verify from disk:      %.2f s  (%.0f MiB/s)\n' "$DISK" "$(echo "$TOTAL_MIB / $DISK" | bc -l)"
printf 'verify from s3s-fs:    %.2f s  (%.0f MiB/s)  = %.2f× the throughput from disk\n' \
  "$S3" "$(echo "$TOTAL_MIB / $S3" | bc -l)" "$(echo "$DISK / $S3" | bc -l)"
if [ "$HAVE_AWS" = 1 ]; then
  AWS=$(median 2)
  printf 'aws s3 cp | b3sum:     %.2f s  → opsbook is %.2f× its throughput\n' "$AWS" "$(echo "$AWS / $S3" | bc -l)"
else
  echo "aws CLI not installed: that comparison is left out"
fi

echo "--- peak memory on one ${BIG_MIB} MiB object"
rm -rf "$ROOT/local/state"
/usr/bin/time -v $V --set big 2> "$ROOT/time.txt" >/dev/null || true
grep -E "Maximum resident|Elapsed" "$ROOT/time.txt"
