"""Prints action.yml's steps as a reusable workflow, so that actionlint, which reads
workflows only, checks the composite action too: its expressions, the inputs it gives
other actions, and its shell. The action's inputs become the workflow's inputs."""

import json
import sys

import yaml  # PyYAML, which .ci/run installs

with open(sys.argv[1] if len(sys.argv) > 1 else "action.yml", encoding="utf-8") as f:
    action = yaml.safe_load(f)
if action.get("runs", {}).get("using") != "composite":
    sys.exit("action.yml: runs.using is not composite")
inputs = {
    name: {"type": "string", "required": False, "default": str(spec.get("default", ""))}
    for name, spec in action.get("inputs", {}).items()
}
workflow = {
    "name": action["name"],
    "on": {"workflow_call": {"inputs": inputs}},
    "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
}
json.dump(workflow, sys.stdout, indent=2)
