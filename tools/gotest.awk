# tools/gotest.awk reads the events of go test -json and prints what go
# test prints without -json: build errors, the output of failed tests and
# packages, and the package lines (ok, FAIL, ?). tools/test.sh runs the tests this way to
# learn which ones skipped, which plain go test does not say.
#
# Variables (awk -v): mod and step name the module and the check;
# skipped and passed name files to append to, one tab-separated line per
# test: "mod step package test reason" for each skipped test, with the
# last line it logged (its t.Skip message), and "mod package test" for
# each passed one.

# field returns the string field name of the current event, unescaped, or
# "" when the event has none.
function field(name,    s) {
	if (!match($0, "\"" name "\":\"([^\"\\\\]|\\\\.)*\""))
		return ""
	s = substr($0, RSTART + length(name) + 4, RLENGTH - length(name) - 5)
	return unescape(s)
}

# unescape decodes the escapes of a JSON string.
function unescape(s,    out, i, c) {
	out = ""
	while ((i = index(s, "\\")) > 0) {
		out = out substr(s, 1, i - 1)
		c = substr(s, i + 1, 1)
		if (c == "n") out = out "\n"
		else if (c == "t") out = out "\t"
		else if (c == "r") out = out "\r"
		else if (c == "b") out = out "\b"
		else if (c == "f") out = out "\f"
		else if (c == "u") { out = out utf8(hex(substr(s, i + 2, 4))); i += 4 }
		else out = out c
		s = substr(s, i + 2)
	}
	return out s
}

function hex(h,    i, v) {
	v = 0
	for (i = 1; i <= length(h); i++)
		v = v * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
	return v
}

# utf8 returns the UTF-8 encoding of the code point c, below 0x10000.
function utf8(c) {
	if (c < 128)
		return sprintf("%c", c)
	if (c < 2048)
		return sprintf("%c%c", 192 + int(c / 64), 128 + c % 64)
	return sprintf("%c%c%c", 224 + int(c / 4096), 128 + int(c / 64) % 64, 128 + c % 64)
}

# failed returns the output of a failed test as go test prints it: its
# "--- FAIL" line first, without the "=== RUN" (PAUSE, CONT, NAME) lines
# that -json adds.
function failed(s,    n, lines, i, head, out) {
	n = split(s, lines, "\n")
	head = ""
	out = ""
	for (i = 1; i < n; i++) {
		if (lines[i] ~ /^=== (RUN|PAUSE|CONT|NAME) /)
			continue
		if (head == "" && lines[i] ~ /^--- FAIL: /)
			head = lines[i] "\n"
		else
			out = out lines[i] "\n"
	}
	return head out
}

# last returns the last line of s: of a package that passed, go test
# prints only its "ok" line.
function last(s,    n, lines) {
	n = split(s, lines, "\n")
	return n > 1 ? lines[n - 1] "\n" : s
}

# reason returns the last line a skipped test logged: its t.Skip message.
function reason(s,    n, lines, i, r) {
	n = split(s, lines, "\n")
	r = "(no reason given)"
	for (i = 1; i < n; i++) {
		if (lines[i] ~ /^    [^ ]/) {
			r = lines[i]
			sub(/^ +/, "", r)
		}
	}
	return r
}

!/^\{/ {
	# not an event: an error of the go command itself
	print
	fflush()
	next
}

{
	action = field("Action")
	pkg = field("Package")
	test = field("Test")
	key = pkg " " test
	if (action == "build-output") {
		printf "%s", field("Output")
	} else if (action == "output") {
		out = field("Output")
		if (test != "")
			buf[key] = buf[key] out
		else
			pkgbuf[pkg] = pkgbuf[pkg] out
	} else if (test == "") {
		if (action == "pass")
			printf "%s", last(pkgbuf[pkg])
		else if (action != "start")
			printf "%s", pkgbuf[pkg]
		delete pkgbuf[pkg]
	} else if (action == "pass") {
		print mod "\t" pkg "\t" test >> passed
		delete buf[key]
	} else if (action == "fail") {
		printf "%s", failed(buf[key])
		delete buf[key]
	} else if (action == "skip") {
		print mod "\t" step "\t" pkg "\t" test "\t" reason(buf[key]) >> skipped
		delete buf[key]
	}
	fflush()
}

END {
	# The output of tests and packages that never ended: the test binary
	# crashed or timed out.
	for (key in buf)
		printf "%s", failed(buf[key])
	for (pkg in pkgbuf)
		printf "%s", pkgbuf[pkg]
}
