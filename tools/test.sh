#!/usr/bin/env bash
# tools/test.sh runs every check of the project, exactly as CI does (.ci/run
# calls it), on every module that go.work lists:
#
#   build        GOWORK=off go build ./...
#   gofmt        gofmt -l prints nothing
#   vet          GOWORK=off go vet ./...
#   staticcheck  the version pinned by the tool directive of tools/go.mod
#   tidy         GOWORK=off go mod tidy -diff: go.mod and go.sum are tidy
#   goleak       every package with tests has a TestMain with goleak.VerifyTestMain
#   test         GOWORK=off go test -race -shuffle=on -count=1 ./...
#   allocs       GOWORK=off go test -count=1 -run Allocs ./... : the tests that
#                hold hot paths to zero allocations, which skip themselves
#                under -race (it makes values escape)
#   reuse        apps/http1 only: its tests again with ACE_HTTP1_REUSE=1, which
#                makes every server they start run with Config.ReuseRequests
#   loop         apps/echo only: its tests again with ACE_EVENT_LOOP=1, which
#                makes every endpoint they start serve from event loops
#                (core.Config.EventLoop)
#   ports        GOWORK=off CGO_ENABLED=0 go vet ./... with GOOS=windows, darwin, freebsd:
#                the code and its tests compile where users may build them
#                (not tools/bench, whose harness reads Linux's /proc)
#
# GOWORK=off tests each module as its users get it: through its own go.mod,
# whose relative replace directives point at the sibling modules.
#
# The go test steps run with -json, through tools/gotest.awk, which prints
# what go test prints without it and notes every test that skipped.
#
# Then, once for the repository, whichever modules were named: every go.mod
# is listed in go.work, the README's run command builds in workspace mode,
# the code snippets of README.md, CONTRIBUTING.md and docs/*.md match the
# files CI compiles, and every relative link in them names a file that
# exists.
#
# Tests that need a program (curl, python3, openssl, wrk, valgrind) skip
# when it is missing, or fail when ACE_REQUIRE_TOOLS=1, which .ci/run sets.
#
# Usage: tools/test.sh [module-dir...]   (default: every module in go.work)
# It prints a summary table, then every test that skipped in a step and
# passed in no other step of its module, with its reason, and exits 1 if
# any check failed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if ! command -v go >/dev/null; then
	echo "test.sh: no go command in PATH; install Go 1.26 or later" >&2
	exit 1
fi

# Modules listed in go.work, as ./relative/dirs.
workspace_modules() {
	go work edit -json | sed -n 's/^[[:space:]]*"DiskPath": "\(.*\)".*/\1/p'
}

if [ $# -gt 0 ]; then
	modules=("$@")
else
	mapfile -t modules < <(workspace_modules)
fi
if [ ${#modules[@]} -eq 0 ]; then
	echo "test.sh: no modules found in go.work" >&2
	exit 1
fi

# now prints seconds since the epoch, with milliseconds.
now() { date +%s.%3N; }

# elapsed START prints the seconds since START, to one decimal.
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

begin=$(now)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/skipped" "$tmp/passed"

failed=0
summary=()

# go_files prints the .go files of the module in the current directory,
# leaving out nested modules and testdata.
go_files() {
	find . -mindepth 1 \( -type d \( -name testdata -o -name '.*' \
		-o -exec test -e '{}/go.mod' ';' \) -prune \) -o \( -type f -name '*.go' -print \)
}

check_gofmt() {
	local out
	out=$(go_files | xargs -r gofmt -l) || return 1
	if [ -n "$out" ]; then
		echo "not gofmt'ed (run gofmt -w):"
		echo "$out"
		return 1
	fi
}

check_goleak() {
	local dir bad=0
	while IFS= read -r dir; do
		if ! grep -qs 'goleak\.VerifyTestMain(' "$dir"/*_test.go; then
			echo "${PWD#"$root"/}/${dir#./}: tests without a TestMain calling goleak.VerifyTestMain(m)"
			bad=1
		fi
	done < <(go_files | grep '_test\.go$' | xargs -r -n1 dirname | sort -u)
	return $bad
}

# run_staticcheck runs staticcheck on the module in the current directory. It
# fails when staticcheck finds nothing to check, which is how it reports a
# module whose packages cannot be loaded.
run_staticcheck() {
	local out rc=0
	out=$(GOWORK=off "$tmp/staticcheck" ./... 2>&1) || rc=$?
	[ -n "$out" ] && echo "$out"
	if grep -q 'matched no packages' <<<"$out"; then
		return 1
	fi
	return $rc
}

echo "== staticcheck: building the version pinned in tools/go.mod"
if ! (cd tools && GOWORK=off go build -o "$tmp/staticcheck" honnef.co/go/tools/cmd/staticcheck); then
	echo "test.sh: cannot build staticcheck" >&2
	exit 1
fi

# check_ports vets the module in the current directory for the other systems
# users build on.
check_ports() {
	local os
	for os in windows darwin freebsd; do
		GOWORK=off GOOS=$os CGO_ENABLED=0 go vet ./... || return 1
	done
}

# go_test [VAR=value...] [flag...] runs go test -json with the flags on the
# packages of the module in the current directory, with GOWORK=off and the
# variables set, and prints its events as go test would print them without
# -json, noting which tests skipped and which passed (tools/gotest.awk). It
# is called by run_step, whose mod and step it reads.
go_test() {
	local vars=(GOWORK=off)
	while [ $# -gt 0 ] && [[ $1 == [A-Z]*=* ]]; do
		vars+=("$1")
		shift
	done
	env "${vars[@]}" go test -json "$@" ./... 2>&1 |
		awk -v mod="$mod" -v step="$step" -v skipped="$tmp/skipped" \
			-v passed="$tmp/passed" -f "$root/tools/gotest.awk"
}

# run_step MODULE STEP COMMAND... runs one check in MODULE and records it.
run_step() {
	local mod=$1 step=$2
	shift 2
	echo "== $mod: $step"
	if (cd "$mod" && "$@"); then
		row+=" $step:ok"
	else
		row+=" $step:FAIL"
		failed=1
	fi
}

for mod in "${modules[@]}"; do
	mod=${mod#./}
	start=$(now)
	row=""
	if [ ! -f "$mod/go.mod" ]; then
		summary+=("$(printf '%-20s %s' "$mod" "FAIL: no go.mod")")
		failed=1
		continue
	fi
	if [ -z "$(cd "$mod" && GOWORK=off go list ./... 2>/dev/null)" ]; then
		# A module just created has no package yet: say so, do not fail.
		echo "== $mod: no packages yet; only go mod tidy -diff"
		run_step "$mod" tidy env GOWORK=off go mod tidy -diff
		summary+=("$(printf '%-20s %6ss %s' "$mod" "$(elapsed "$start")" "no packages yet;$row")")
		continue
	fi
	run_step "$mod" build env GOWORK=off go build ./...
	run_step "$mod" gofmt check_gofmt
	run_step "$mod" vet env GOWORK=off go vet ./...
	run_step "$mod" staticcheck run_staticcheck
	run_step "$mod" tidy env GOWORK=off go mod tidy -diff
	run_step "$mod" goleak check_goleak
	run_step "$mod" test go_test -race -shuffle=on -count=1
	run_step "$mod" allocs go_test -count=1 -run Allocs
	if [ "$mod" = apps/http1 ]; then
		run_step "$mod" reuse go_test ACE_HTTP1_REUSE=1 -race -shuffle=on -count=1
	fi
	if [ "$mod" = apps/echo ]; then
		run_step "$mod" loop go_test ACE_EVENT_LOOP=1 -race -shuffle=on -count=1
	fi
	if [ "$mod" != tools/bench ]; then
		run_step "$mod" ports check_ports
	fi
	summary+=("$(printf '%-20s %6ss %s' "$mod" "$(elapsed "$start")" "$row")")
done

# Repository-wide checks, which take seconds, whichever modules were named.
start=$(now)
row=""

echo "== repo: every go.mod is in go.work"
check_work() {
	local listed missing=0 gomod dir
	listed=$(workspace_modules | sed 's|^\./||')
	while IFS= read -r gomod; do
		dir=$(dirname "${gomod#./}")
		if ! grep -qxF "$dir" <<<"$listed"; then
			echo "$dir/go.mod is not in go.work (run: go work use ./$dir)"
			missing=1
		fi
	done < <(find . -name go.mod -not -path './.git/*' -not -path '*/testdata/*')
	return $missing
}
run_step . go.work check_work

echo "== repo: the README's run command builds (go run ./tools/cmd/ace help)"
run_step . run-cmd go run ./tools/cmd/ace help >/dev/null

# The Markdown files whose snippets and links are checked.
docs=(README.md CONTRIBUTING.md)
for doc in docs/*.md; do
	[ -f "$doc" ] && docs+=("$doc")
done

echo "== repo: Markdown snippets match the files CI compiles"
# A line <!-- snippet: PATH --> before a fenced block says that the
# block is a verbatim part of PATH, relative to the repository root.
check_snippets() {
	local doc path snippet bad=0 n=0
	for doc in "${docs[@]}"; do
		while IFS= read -r path; do
			n=$((n + 1))
			snippet=$(awk -v marker="<!-- snippet: $path -->" '
				$0 == marker { found = 1; next }
				found == 1 && /^```/ { found = 2; next }
				found == 2 && /^```/ { exit }
				found == 2 { print }
			' "$doc")
			if [ ! -f "$path" ]; then
				echo "$doc: snippet of missing file $path"
				bad=1
			elif [ -z "$snippet" ] || [[ "$(<"$path")" != *"$snippet"* ]]; then
				echo "$doc: the snippet marked $path is not a verbatim part of that file"
				bad=1
			fi
		done < <(sed -n 's/^<!-- snippet: \(.*\) -->$/\1/p' "$doc")
	done
	if [ $n -eq 0 ]; then
		echo "${docs[*]}: no snippet markers found"
		bad=1
	fi
	return $bad
}
run_step . snippets check_snippets

echo "== repo: relative links in Markdown name files that exist"
# Links are [text](target) and [name]: target, outside fenced code
# blocks; a target with a scheme (https:, mailto:) or only an #anchor
# is not checked, and an #anchor after a path is dropped.
check_links() {
	local doc target bad=0
	for doc in "${docs[@]}"; do
		while IFS= read -r target; do
			case $target in
			*:* | '#'* | '') continue ;;
			esac
			target=${target%%#*}
			if [ ! -e "$(dirname "$doc")/$target" ]; then
				echo "$doc: link to $target, which does not exist"
				bad=1
			fi
		done < <(awk '
			/^ *```/ { code = !code; next }
			code { next }
			/^ *\[[^]]+\]: / { sub(/^ *\[[^]]+\]: */, ""); sub(/ .*/, ""); print; next }
			{
				line = $0
				while (match(line, /\]\([^) ]+/)) {
					print substr(line, RSTART + 2, RLENGTH - 2)
					line = substr(line, RSTART + RLENGTH)
				}
			}
		' "$doc")
	done
	return $bad
}
run_step . links check_links
summary+=("$(printf '%-20s %6ss %s' "(repository)" "$(elapsed "$start")" "$row")")

# The tests that skipped in a step and passed in no other step of their
# module (the allocation tests skip under -race, and run in allocs), one
# line each, with the steps that skipped them and the reason.
skips=$(awk -F '\t' '
	FNR == NR { ran[$1 FS $2 FS $3]; next }
	($1 FS $3 FS $4) in ran { next }
	{
		k = $3 FS $4
		if (!(k in why)) {
			order[++n] = k
			why[k] = $5
			steps[k] = $2
		} else if (index(", " steps[k] ", ", ", " $2 ", ") == 0) {
			steps[k] = steps[k] ", " $2
		}
	}
	END {
		for (i = 1; i <= n; i++) {
			split(order[i], f, FS)
			sub(/^github\.com\/ace-go\/ace\//, "", f[1])
			printf "  %s %s (%s): %s\n", f[1], f[2], steps[order[i]], why[order[i]]
		}
	}' "$tmp/passed" "$tmp/skipped")
nskips=0
if [ -n "$skips" ]; then
	nskips=$(wc -l <<<"$skips")
fi

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "$nskips" -gt 0 ]; then
	echo "skipped, so not checked:"
	echo "$skips"
fi
verdict="in $(elapsed "$begin")s"
if [ "$nskips" -eq 1 ]; then
	verdict+=", with 1 test skipped (named above)"
elif [ "$nskips" -gt 1 ]; then
	verdict+=", with $nskips tests skipped (named above)"
fi
if [ $failed -ne 0 ]; then
	echo "FAILED $verdict"
	exit 1
fi
echo "PASSED $verdict"
