"""`fields`' account directory: the users a mapping's `owner` names, the pipelines with their stages
(a deal's `pipeline` and `stage`), and the lead labels (a lead's `labels`), each with its id."""

from __future__ import annotations

from typing import Any

from ..account.directory import AccountDirectory


def as_json(directory: AccountDirectory) -> dict[str, Any]:
    stages = directory.stages()
    return {
        "users": [{"id": user.id, "name": user.name, "email": user.email} for user in directory.users()],
        "pipelines": [
            {
                "id": pipeline.id,
                "name": pipeline.name,
                "stages": [{"id": s.id, "name": s.name} for s in stages if s.pipeline_id == pipeline.id],
            }
            for pipeline in directory.pipelines()
        ],
        "lead_labels": [{"id": label.id, "name": label.name} for label in directory.labels()],
    }


def as_text(directory: AccountDirectory) -> str:
    found = as_json(directory)
    lines = [f"users ({len(found['users'])}): owner by email, name or id"]
    lines += [f"  {user['id']}  {user['name']}  {user['email']}" for user in found["users"]]
    lines += ["", f'pipelines ({len(found["pipelines"])}): stage by name, "Pipeline / Stage" or id']
    for pipeline in found["pipelines"]:
        lines.append(f"  {pipeline['id']}  {pipeline['name']}")
        lines += [f"      {stage['id']}  {stage['name']}" for stage in pipeline["stages"]]
    lines += ["", f"lead labels ({len(found['lead_labels'])}): by name or id"]
    lines += [f"  {label['id']}  {label['name']}" for label in found["lead_labels"]]
    return "\n".join(lines) + "\n"
