# tests/e2e/web_lib.sh - sourced by the web back office tests after
# lib.sh: a daemon with [web] on HTTPS, accounts, and curl helpers that
# log in the way a browser does (GET the form, POST it with its token).
WPORT=$((23000 + ($$ + 11) % 20000))
W="https://127.0.0.1:$WPORT"
EXTRA="[sheets]
county_code = 8
commune = Apata
spas_numbers = +40700000111

[web]
listen = 127.0.0.1:$WPORT
session_idle_s = 600
login_failures = 10
login_block_s = 300"

# web_user NAME ROLE PASSWORD: an account, the password on stdin.
web_user() {
	printf '%s\n' "$3" | cli user add "$1" --role "$2" > /dev/null
}

# wcurl JAR ARGS...: curl against the back office with a cookie jar
# (-k: the certificate is the self-signed one the daemon generated).
wcurl() {
	_jar=$1
	shift
	curl -sk -b "$T/$_jar.jar" -c "$T/$_jar.jar" "$@"
}

# web_csrf FILE: the csrf field of the first form of an HTML page.
web_csrf() {
	grep -o 'name="csrf" value="[0-9a-f]*"' "$1" | head -n 1 |
	    sed 's/.*value="//; s/"$//'
}

# web_login JAR USER PASSWORD: prints the HTTP code of the login POST
# (303 when it worked).
web_login() {
	wcurl "$1" -o "$T/login.html" "$W/login"
	_c=$(web_csrf "$T/login.html")
	wcurl "$1" -o "$T/login-answer.html" -w '%{http_code}' \
	    --data-urlencode "csrf=$_c" --data-urlencode "user=$2" \
	    --data-urlencode "password=$3" "$W/login"
}

# web_get JAR PATH: the page into $T/page.html, prints the HTTP code.
web_get() {
	wcurl "$1" -o "$T/page.html" -w '%{http_code}' "$W$2"
}

# web_post JAR PATH FIELDS...: POSTs the fields (name=value, url-encoded
# here) with the session's CSRF token taken from $T/page.html; prints the
# HTTP code.
web_post() {
	_jar=$1
	_path=$2
	shift 2
	_c=$(web_csrf "$T/page.html")
	set -- --data-urlencode "csrf=$_c" "$@"
	wcurl "$_jar" -o "$T/post.html" -D "$T/post.headers" \
	    -w '%{http_code}' "$@" "$W$_path"
}

# web_sheet HOUSEHOLD: an enrolled teacher sends a compact sheet; prints
# the sheet's internal id once stored.
web_sheet() {
	_n=$(sql "SELECT count(*) FROM sheets")
	inject m1 "+40722400001" "FO $1 1a1 2b 4c2d"
	wait_for 10 "SELECT count(*) FROM sheets" $((_n + 1)) > /dev/null
	sql "SELECT max(id) FROM sheets"
}
