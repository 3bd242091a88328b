#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 10m), one
# after the other, then copies the inputs that widened coverage from Go's
# fuzz cache into each package's testdata/fuzz/<target>/, so that the corpus
# can be committed and `go test` replays it on every run.
#
#   tools/fuzz/run.sh              every target, FUZZTIME each
#   FUZZTIME=30s tools/fuzz/run.sh
#   tools/fuzz/run.sh FuzzScanJSON one target (a regular expression)
#   tools/fuzz/run.sh '^core/event '   the targets of one package
#
# The regular expression is matched against "<package dir> <target>", so that
# two targets of one name in different packages can be chosen separately.

set -euo pipefail
cd "$(dirname "$0")/../.."

fuzztime="${FUZZTIME:-10m}"
only="${1:-.}"
cache="$(go env GOCACHE)/fuzz"
failed=0

while IFS=: read -r file _ line; do
	name="$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"$line")"
	dir="$(dirname "$file")"
	[[ "$dir $name" =~ $only ]] || continue
	echo "== $dir $name ($fuzztime)"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "./$dir"; then
		echo "FAILED: $dir $name; the crashing input is in $dir/testdata/fuzz/$name/"
		failed=1
	fi
	pkg="$(go list "./$dir")"
	if [[ -d "$cache/$pkg/$name" ]]; then
		mkdir -p "$dir/testdata/fuzz/$name"
		cp -n "$cache/$pkg/$name"/* "$dir/testdata/fuzz/$name/" 2>/dev/null || true
	fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | sed 's|^\./||' | sort)

exit "$failed"
