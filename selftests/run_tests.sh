#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh [TEST...]: run selftests inside the test guest and aggregate
# their KTAP output.  TEST is a script name with or without .sh (default:
# every selftests/*.sh except this script and libraries named lib.sh,
# *_lib.sh or lib_*.sh; or $TESTS).  --list prints the default list.  Each
# script is a KTAP subtest, bounded by TEST_TIMEOUT seconds (default 900).
# The last line counts the test cases: "N passed, N failed, N skipped".
dir=$(cd "$(dirname "$0")" && pwd)
timeout=${TEST_TIMEOUT:-900}

list=0
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
tests=("$@")
if [ ${#tests[@]} -eq 0 ] && [ -n "${TESTS:-}" ]; then
	read -ra tests <<<"$TESTS"
fi
if [ ${#tests[@]} -eq 0 ]; then
	for f in "$dir"/*.sh; do
		case "$(basename "$f")" in
		lib.sh|*_lib.sh|lib_*.sh|run_tests.sh) ;;
		*) tests+=("$(basename "$f" .sh)") ;;
		esac
	done
fi
if [ "$list" = 1 ]; then
	printf '%s\n' "${tests[@]}"
	exit 0
fi

pass=0 fail=0 skip=0 n=0
echo "TAP version 13"
echo "1..${#tests[@]}"
for t in "${tests[@]}"; do
	t=${t%.sh}
	n=$((n + 1))
	f=$dir/$t.sh
	echo "# selftests: ipoib: $t (IPOIB=${IPOIB:-ours}, kernel $(uname -r))"
	if [ ! -f "$f" ]; then
		echo "not ok $n $t # no such test: $f"
		fail=$((fail + 1))
		continue
	fi
	out=$(mktemp)
	start=$SECONDS
	timeout -k 10 "$timeout" bash "$f" 2>&1 | tee "$out" | sed -u 's/^/    /'
	rc=${PIPESTATUS[0]}
	secs=$((SECONDS - start))
	p=$(grep -cE '^ok [0-9]+ ' "$out" | head -1)
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$out" | head -1)
	f_=$(grep -cE '^not ok [0-9]+ ' "$out" | head -1)
	p=$((p - s))
	rm -f "$out"
	pass=$((pass + p)) skip=$((skip + s)) fail=$((fail + f_))
	case "$rc" in
	0) echo "ok $n $t # ${secs}s" ;;
	4) echo "ok $n $t # SKIP (${secs}s)"
	   [ $((p + s + f_)) -gt 0 ] || skip=$((skip + 1)) ;;
	124|137)
	   echo "not ok $n $t # TIMEOUT after ${timeout}s"
	   fail=$((fail + 1)) ;;
	*) echo "not ok $n $t # exit status $rc (${secs}s)"
	   [ "$f_" -gt 0 ] || fail=$((fail + 1)) ;;
	esac
done
echo "# totals: pass:$pass fail:$fail skip:$skip"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
