#!/usr/bin/env bash
# Prints an access token for a demo account of a node started by `careledger demo`, obtained as a SMART app obtains
# one: the authorization-code flow with PKCE through the node's login page, curl playing the browser. The demo
# registers the public app it signs in as (careledger-demo-cli). Demo passwords are public (docs/identity.md); never
# use this against a node with real data.
#
#   BOB=$(scripts/demo-token.sh dr.bob http://127.0.0.1:8080)
#   curl -H "Authorization: Bearer $BOB" 'http://127.0.0.1:8080/fhir/Patient/demo-pima-0001/$predict?model=pima-logistic-regression'
#
# Needs curl and openssl. Exits non-zero with one line on stderr if the sign-in fails.
set -euo pipefail

user=${1:?usage: demo-token.sh USER [BASE_URL]   (USER: dr.bob, alice, priya, rita, ...; password USER-demo)}
base=${2:-http://127.0.0.1:8080}
base=${base%/}
password=${DEMO_PASSWORD:-$user-demo}
client=careledger-demo-cli
redirect=http://127.0.0.1/careledger-demo-callback
redirect_q=http%3A%2F%2F127.0.0.1%2Fcareledger-demo-callback
scope_q=openid%20fhirUser%20user%2F%2A.rs

fail() { echo "demo-token.sh: $*" >&2; exit 1; }
b64url() { base64 | tr '+/' '-_' | tr -d '=\n'; }

jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
verifier=$(head -c 32 /dev/urandom | b64url)
challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | b64url)
authorize="/connect/authorize?response_type=code&client_id=$client&redirect_uri=$redirect_q&scope=$scope_q&state=demo&code_challenge=$challenge&code_challenge_method=S256"

# 1. The authorization request sends a browser without a session to the login page.
login=$(curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' "$base$authorize") || fail "no node answers at $base"
[ -n "$login" ] || fail "$base did not redirect the authorization request to its login page (is it a CareLedger demo node?)"
case "$login" in http*) ;; *) login="$base$login" ;; esac

# 2. The login form carries an antiforgery token (bound to a cookie); it returns to the authorization request.
page=$(curl -sS -c "$jar" -b "$jar" "$login")
field=$(printf '%s' "$page" | grep -o '<input type="hidden" name="[^"]*" value="[^"]*">' | grep -v 'name="returnUrl"' | head -n 1) \
  || fail "the login page has no antiforgery field"
name=$(printf '%s' "$field" | sed 's/.*name="\([^"]*\)".*/\1/')
value=$(printf '%s' "$field" | sed 's/.*value="\([^"]*\)".*/\1/')
status=$(curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' \
  --data-urlencode "$name=$value" --data-urlencode "returnUrl=$authorize" \
  --data-urlencode "username=$user" --data-urlencode "password=$password" "$base/connect/login")
[ "$status" = 302 ] || fail "signing in as $user failed (HTTP $status): wrong user or password?"

# 3. Signed in, the authorization request redirects to the app with a code, redeemed with the PKCE verifier.
back=$(curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' "$base$authorize")
code=$(printf '%s' "$back" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
[ -n "$code" ] || fail "no authorization code in the redirect: $back"
answer=$(curl -sS -d grant_type=authorization_code -d "code=$code" -d "client_id=$client" \
  --data-urlencode "redirect_uri=$redirect" --data-urlencode "code_verifier=$verifier" "$base/connect/token")
token=$(printf '%s' "$answer" | sed -n 's/.*"access_token":[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1)
[ -n "$token" ] || fail "the token request failed: $answer"
printf '%s\n' "$token"
