#!/bin/sh
# Stand-in for the actions runner's run.sh in the test image. It speaks the GitHub emulator's
# runner protocol with busybox wget: connect with the JIT config, take one job, run each step's
# script with sh, report each step and the job's conclusion, then exit. Exit status: 0 when the
# job succeeded or was cancelled, 1 when it failed or the protocol failed. A step may write a
# number to $TR_RUNNER_EXIT_STATUS_FILE to make run.sh exit with that status after a successful
# job, so tests can check that the guest powers off whatever the runner's status.
#
# The JIT config and the token are secrets: never echo them, and never export them to steps.
#
# Environment (all optional): TR_CONNECT_ATTEMPTS (default 10), TR_ACQUIRE_ATTEMPTS (long polls
# of at most 30 s each, default 20), TR_REQUEST_SECONDS (timeout of one request, default 60).

set -u

connect_attempts="${TR_CONNECT_ATTEMPTS:-10}"
acquire_attempts="${TR_ACQUIRE_ATTEMPTS:-20}"
request_seconds="${TR_REQUEST_SECONDS:-60}"

log() {
  echo "runner: $*" >&2
}

fail() {
  log "$*"
  exit 1
}

if [ "$#" -ne 2 ] || [ "$1" != "--jitconfig" ]; then
  fail "usage: run.sh --jitconfig <encoded JIT config>"
fi

# The emulator's config is base64 of flat JSON without quotes inside values, so sed can read it.
json="$(printf '%s' "$2" | base64 -d 2>/dev/null)" || fail "invalid JIT config: not base64"
shift 2
json_field() {
  printf '%s' "$json" | sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"
}
url="$(json_field url)"
token="$(json_field token)"
runner_name="$(json_field runnerName)"
json=""
[ -n "$url" ] || fail "invalid JIT config: no url field"
[ -n "$token" ] || fail "invalid JIT config: no token field"

work="$(mktemp -d)" || fail "mktemp failed"
mkdir -p "$work/workspace"
trap 'rm -rf "$work"' EXIT

# request METHOD PATH [BODY]: stores the reply body in $work/reply and its HTTP status in
# $status, or 000 when no reply came (connection refused, timeout).
request() {
  rm -f "$work/reply" "$work/response"
  if [ "$1" = POST ]; then
    timeout "$request_seconds" wget -q -S -Y off -O "$work/reply" \
      --header "Authorization: Bearer $token" --post-data "${3:-}" "$url$2" 2>"$work/response"
  else
    timeout "$request_seconds" wget -q -S -Y off -O "$work/reply" \
      --header "Authorization: Bearer $token" "$url$2" 2>"$work/response"
  fi
  # -S prints the status line of every response, redirects included, and the last one counts.
  status="$(sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$work/response" | tail -n 1)"
  [ -n "$status" ] || status=000
  [ -f "$work/reply" ] || : >"$work/reply"
}

# reply_value KEY: prints the value of a KEY=VALUE line of the last reply.
reply_value() {
  sed -n "s/^$1=//p" "$work/reply" | tr -d '\r' | head -n 1
}

rejected() {
  case "$status" in
    401) fail "$1 rejected: invalid token (HTTP 401)" ;;
    410) fail "$1 rejected: registration deleted (HTTP 410)" ;;
  esac
}

attempt=0
while :; do
  attempt=$((attempt + 1))
  request POST /_runner/connect ""
  [ "$status" = 200 ] && break
  rejected connect
  [ "$attempt" -lt "$connect_attempts" ] ||
    fail "connect to $url failed after $attempt attempts (last HTTP status $status)"
  sleep 1
done
runner_id="$(reply_value runner_id)"
log "connected as ${runner_name:-unnamed} (runner id ${runner_id:-unknown})"

attempt=0
while :; do
  attempt=$((attempt + 1))
  request POST /_runner/acquire ""
  [ "$status" = 200 ] && break
  rejected acquire
  # 204 means the long poll ended without a job. Any other status is an error, so pause first.
  [ "$attempt" -lt "$acquire_attempts" ] ||
    fail "no job acquired after $attempt attempts (last HTTP status $status)"
  [ "$status" = 204 ] || sleep 1
done
job_id="$(reply_value job_id)"
run_id="$(reply_value run_id)"
steps="$(reply_value steps)"
case "$job_id:$steps" in
  *[!0-9:]* | :* | *:) fail "invalid acquire reply: job_id and steps must be numbers" ;;
esac
log "acquired job $job_id of run ${run_id:-unknown} with $steps steps"

exit_status_file="$work/exit-status"
conclusion=success
step=1
while [ "$step" -le "$steps" ]; do
  request GET "/_runner/jobs/$job_id/steps/$step/script"
  if [ "$status" != 200 ]; then
    log "job $job_id: fetching the script of step $step failed (HTTP status $status)"
    conclusion=failure
    break
  fi
  mv "$work/reply" "$work/step-$step.sh"

  log "job $job_id: step $step started"
  (
    cd "$work/workspace" || exit 1
    TR_JOB_ID="$job_id" TR_RUN_ID="$run_id" TR_STEP="$step" \
      TR_RUNNER_EXIT_STATUS_FILE="$exit_status_file" sh "$work/step-$step.sh"
  )
  step_status=$?
  step_conclusion=success
  [ "$step_status" -eq 0 ] || step_conclusion=failure
  log "job $job_id: step $step finished with status $step_status ($step_conclusion)"

  request POST "/_runner/jobs/$job_id/steps/$step" "conclusion=$step_conclusion"
  if [ "$status" != 200 ]; then
    log "job $job_id: reporting step $step failed (HTTP status $status)"
    conclusion=failure
    break
  fi
  if [ "$(tr -d '\r\n' <"$work/reply")" = cancel ]; then
    log "job $job_id: cancelled"
    conclusion=cancelled
    break
  fi
  # Like the actions runner without `if: always()`, later steps do not run after a failure.
  if [ "$step_conclusion" = failure ]; then
    conclusion=failure
    break
  fi
  step=$((step + 1))
done

request POST "/_runner/jobs/$job_id/complete" "conclusion=$conclusion"
[ "$status" = 200 ] || fail "job $job_id: completing failed (HTTP status $status)"
log "job $job_id: completed with $conclusion"

case "$conclusion" in
  failure) exit 1 ;;
  success)
    if [ -s "$exit_status_file" ]; then
      requested="$(tr -cd '0-9' <"$exit_status_file")"
      [ -n "$requested" ] && exit "$requested"
    fi
    exit 0
    ;;
  *) exit 0 ;;
esac
