#!/bin/sh
# A Tasque worker in shell: reads the payload from the file Tasque wrote,
# and writes a JSON result to the file Tasque reads back.
set -eu

bytes=$(wc -c < "$TASK_PAYLOAD_FILE")
echo "task $TASK_ID: payload of $bytes bytes" >&2
printf '{"payloadBytes": %d}\n' "$bytes" > "$TASK_RESULT_FILE"
