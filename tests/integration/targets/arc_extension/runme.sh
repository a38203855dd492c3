#!/usr/bin/env bash
# Real-Azure test of acstor.edge.arc_extension / arc_extension_info against an existing Arc-connected cluster.
# Runs unchanged when credentials and the target cluster are in the environment; otherwise prints one SKIP line.
set -euo pipefail
missing=()
for var in AZURE_SUBSCRIPTION_ID ACSTOR_ARC_RESOURCE_GROUP ACSTOR_ARC_CLUSTER_NAME; do
  [[ -n "${!var:-}" ]] || missing+=("$var")
done
if [[ -z "${AZURE_CLIENT_ID:-}" || -z "${AZURE_SECRET:-}" || -z "${AZURE_TENANT:-}" ]] && ! az account show >/dev/null 2>&1; then
  missing+=("AZURE_CLIENT_ID/AZURE_SECRET/AZURE_TENANT (or az login)")
fi
if (( ${#missing[@]} )); then
  echo "SKIP arc_extension: no real Azure target; set ${missing[*]}"
  exit 0
fi
cd "$(dirname "$0")"
exec ansible-playbook -i localhost, -c local playbook.yml "$@"
