#!/usr/bin/env bash
# Regenerates the figures of the README's "Measured" table, each next to a baseline taken in the same run,
# into target/figures/<UTC date and time>/: figures.json (every figure, the machine facts, the rotation
# demo's full report), figures.md (the table for the README), and each tool's own output.
#
#   scripts/figures.sh [--quick] [--cold-build] [--out DIR] [-- MAVEN ARGS...]
#
#   --quick       shorter JMH runs, 50 file updates, 10 rotations per demo path: about 3 minutes in all on
#                 2 cores shared with other builds, against about 6 for the full run (4 after the builds)
#   --cold-build  also time the demo's build from an empty local Maven repository (downloads everything
#                 from Maven Central into a temporary directory, deleted afterwards)
#   --out DIR     where to write (default target/figures/<UTC date and time>)
#   -- ARGS       passed to every Maven call, e.g. -- -Dmaven.repo.local=/path/to/repo
#
# Each build starts from `mvn clean` of the demo and the modules it needs, as in a fresh clone.
#
# Needs JDK 17+ and Maven 3.8+ on the PATH, nothing else. Run it on a machine doing nothing else for the
# figures the README quotes; on a shared machine the baselines move with the load, and the ratios hold.
set -euo pipefail

quick=()
cold=false
out=""
mvn_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=(--quick) ;;
        --cold-build) cold=true ;;
        --out) out="$2"; case "$out" in /*) ;; *) out="$PWD/$out" ;; esac; shift ;;
        --) shift; mvn_args=("$@"); break ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "figures.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

cd "$(dirname "$0")/.."
[ -n "$out" ] || out="target/figures/$(date -u +%Y-%m-%dT%H%M%SZ)"
mkdir -p "$out"

# "${a[@]+"${a[@]}"}": an empty array under `set -u` on the bash 3.2 macOS ships.
mvn_q() { mvn -B -q ${mvn_args[@]+"${mvn_args[@]}"} "$@"; }

echo "figures: $(java -version 2>&1 | head -1); $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g')" >&2

# The README's own build command (mvn -B -q -DskipTests package -pl examples/rotation-demo -am), timed.
build_args=(-DskipTests package -pl examples/rotation-demo -am)
extra=()
if $cold; then
    repo="$(mktemp -d)"
    trap 'rm -rf "$repo"' EXIT
    mvn_q clean -pl examples/rotation-demo -am > "$out/build-cold.log" 2>&1
    echo "figures: building the demo from an empty local repository ($repo) ..." >&2
    SECONDS=0
    mvn -B -q -Dmaven.repo.local="$repo" "${build_args[@]}" >> "$out/build-cold.log" 2>&1 \
        || { echo "figures: the cold build failed; see $out/build-cold.log" >&2; exit 1; }
    extra=(--cold-build-seconds "$SECONDS")
    rm -rf "$repo"
    echo "figures: cold build: $SECONDS s" >&2
fi

echo "figures: building the demo ..." >&2
mvn_q clean -pl examples/rotation-demo -am > "$out/build.log" 2>&1
SECONDS=0
mvn_q "${build_args[@]}" >> "$out/build.log" 2>&1 \
    || { echo "figures: the build failed; see $out/build.log" >&2; exit 1; }
extra+=(--build-seconds "$SECONDS")
echo "figures: build: $SECONDS s" >&2
mvn_q -DskipTests package -pl benchmarks -am >> "$out/build.log" 2>&1 \
    || { echo "figures: building the benchmarks failed; see $out/build.log" >&2; exit 1; }

exec java -cp benchmarks/target/benchmarks.jar dev.scaivault.benchmarks.Figures ${quick[@]+"${quick[@]}"} \
    --out "$out" --demo-jar examples/rotation-demo/target/rotation-demo.jar "${extra[@]}"
