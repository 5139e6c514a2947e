#!/usr/bin/env bash
# Runs target-pipedrive on the bundled sample of Segment events against a local Pipedrive sandbox,
# then prints what the sandbox now holds. No Pipedrive account needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
port=8765
mkdir -p output
# Every start of the sandbox is a new, empty account: the ledger of an earlier demo would not fit it.
rm -f output/ledger.sqlite output/ledger.sqlite-wal output/ledger.sqlite-shm output/rejects.jsonl
# Validate every request against Pipedrive's OpenAPI files when they are beside the repository.
if [ -z "${PIPEDRIVE_OPENAPI_DIR:-}" ] && [ -d ../shared/pipedrive-openapi ]; then
  export PIPEDRIVE_OPENAPI_DIR=../shared/pipedrive-openapi
fi

"$bin/pipedrive-sandbox" --port "$port" > output/sandbox.log 2>&1 &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  "$bin/python" - "$port" <<'PY' && break
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
except OSError:
    sys.exit(1)
PY
  sleep 0.2
done

"$bin/target-pipedrive" --config sample_config.json --input samples/segment_events.jsonl \
  > output/state.jsonl 2> output/target.log || { tail -n 30 output/target.log; exit 1; }

grep -h "Run summary" output/target.log | sed 's/.*Run summary: //' > output/summary.json
"$bin/python" - "$port" <<'PY'
import json, sys, urllib.request
state = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_sandbox/state"))
summary = json.load(open("output/summary.json"))
print("Run summary:", json.dumps({k: summary[k] for k in ("records_in", "written", "unchanged", "filtered", "rejected")}))
# The links and names of issue 18: a person's organization, a deal's pipeline, stage and owner, lead labels.
RELATIONS = {"org_id": "org", "pipeline_id": "pipeline", "stage_id": "stage", "owner_id": "owner", "label_ids": "labels"}
def label(e):
    name = e.get("name") or e.get("title") or e.get("subject") or e.get("content")
    shown = [f"{short} {e[key]}" for key, short in RELATIONS.items() if e.get(key) and not (key == "owner_id" and e[key] == 1)]
    return f"{name} ({', '.join(shown)})" if shown else str(name)
for kind in ("persons", "organizations", "deals", "activities", "leads", "notes"):
    items = state.get(kind, [])
    print(f"{kind:14} {len(items)}: " + "; ".join(label(e) for e in items))
print("Rejected records (output/rejects.jsonl):")
try:
    for line in open("output/rejects.jsonl"):
        entry = json.loads(line)
        print(f"  {entry['mapping']}: {entry['reason']}")
except FileNotFoundError:
    print("  none")
print("Emitted state:", open("output/state.jsonl").read().strip())
PY
