#!/usr/bin/env bash
# Deploy an image only if Shipgate says its digest is cleared. Fails closed: any curl error, any
# status but 200, an unparsable answer, an answer about another digest or environment, or a
# missing receipt stops the deploy with a non-zero exit.
#
# Environment:
#   SHIPGATE_URL     base URL, e.g. https://shipgate.example            (required)
#   SHIPGATE_TOKEN   token with the clearance:read scope               (required)
#   IMAGE_REF        registry/name@sha256:<64 hex>                     (required; tags are refused,
#                    resolve one first, e.g. `crane digest` or `docker buildx imagetools inspect`)
#   SHIPGATE_ENV     environment to ask about                          (default: production)
#   RECEIPT_DIR      where the signed receipt and answer are kept       (default: .)
#   DEPLOY_COMMAND   shell command run with the pinned reference as $1 (default: kubectl set image)
# Needs bash, curl and jq.
set -euo pipefail

die() { echo "deploy: $*" >&2; exit 1; }

: "${SHIPGATE_URL:?set SHIPGATE_URL}"
: "${SHIPGATE_TOKEN:?set SHIPGATE_TOKEN}"
: "${IMAGE_REF:?set IMAGE_REF to name@sha256:...}"
env_name=${SHIPGATE_ENV:-production}
receipt_dir=${RECEIPT_DIR:-.}
command -v curl >/dev/null || die "curl is required"
command -v jq >/dev/null || die "jq is required"

# The digest is the identity we check and deploy; a tag could move between the check and the deploy.
[[ "$IMAGE_REF" =~ ^[a-z0-9][a-z0-9._/:-]*@(sha256:[0-9a-f]{64})$ ]] \
  || die "IMAGE_REF must be pinned as name@sha256:<64 hex>, got '$IMAGE_REF' (resolve tags to a digest first)"
digest=${BASH_REMATCH[1]}

# The reference is one path segment: encode '/', ':' and '@'.
encoded=${IMAGE_REF//\//%2F}
encoded=${encoded//:/%3A}
encoded=${encoded//@/%40}
url="${SHIPGATE_URL%/}/api/v1/clearance/${encoded}?env=${env_name}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
body="$work/body.json"

# The token goes through curl's config on stdin so it never shows in `ps`.
if ! status=$(printf 'header = "Authorization: Bearer %s"\n' "$SHIPGATE_TOKEN" |
  curl --config - -sS --connect-timeout 5 --max-time 20 -o "$body" -w '%{http_code}' "$url"); then
  die "could not reach Shipgate at $SHIPGATE_URL; not deploying"
fi

if [[ "$status" != 200 ]]; then
  reason=$(jq -r '[.reasons[]? | select(.passed == false) | "\(.rule): \(.message)"] + [.error.message? // empty] | join("; ")' "$body" 2>/dev/null || true)
  die "$digest is not cleared for $env_name (HTTP $status${reason:+: $reason}); not deploying"
fi

jq -e . "$body" >/dev/null 2>&1 || die "unparsable answer from Shipgate; not deploying"
[[ "$(jq -r '.cleared == true' "$body")" == true ]] || die "answer does not say cleared:true; not deploying"
# Echo check: the answer must be about exactly what we asked (a proxy or cache must not swap it).
[[ "$(jq -r '.digest' "$body")" == "$digest" ]] || die "answer is about another digest; not deploying"
[[ "$(jq -r '.environment' "$body")" == "$env_name" ]] || die "answer is about another environment; not deploying"
receipt=$(jq -r '.receipt | strings' "$body")
[[ -n "$receipt" ]] || die "cleared answer carries no signed receipt; not deploying"

# Keep the receipt (compact JWS, verify with GET /api/v1/receipt-keys) and the answer with the deploy record.
mkdir -p "$receipt_dir"
stem="$receipt_dir/shipgate-${env_name}-${digest#sha256:}"
printf '%s\n' "$receipt" > "$stem.jws"
cp "$body" "$stem.json"
echo "deploy: $digest cleared for $env_name; receipt in $stem.jws" >&2

# Deploy the pinned reference, never the tag.
deploy_command=${DEPLOY_COMMAND:-'kubectl set image deployment/app app="$1"'}
sh -c "$deploy_command" deploy "$IMAGE_REF"
