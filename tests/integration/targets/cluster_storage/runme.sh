#!/usr/bin/env bash
# Real-cluster check of acstor.edge.csi_driver and acstor.edge.edge_volumes. Runs unchanged when KUBECONFIG points at a
# cluster; otherwise prints one SKIP line. Optional: ACSTOR_CSI_CHART_REF (mirror/local chart), ACSTOR_EDGE_VOLUMES=1 to
# also converge and tear down a local shared Edge Volume (needs the Arc extension installed on that cluster).
set -euo pipefail
name=cluster_storage
if [[ -z "${KUBECONFIG:-}" || ! -r "${KUBECONFIG%%:*}" ]]; then
  echo "SKIP ${name}: no cluster; set KUBECONFIG to a readable kubeconfig (and ACSTOR_EDGE_VOLUMES=1 for Edge Volumes)"
  exit 0
fi
here="$(cd "$(dirname "$0")" && pwd)"
export ANSIBLE_ROLES_PATH="${here}/roles"
ansible-playbook -i localhost, -c local "${here}/playbook.yml" \
  -e "kubeconfig=${KUBECONFIG%%:*}" \
  -e "csi_chart_ref=${ACSTOR_CSI_CHART_REF:-oci://localcsidriver.azurecr.io/acstor/charts/local-csi-driver}" \
  -e "run_edge_volumes=${ACSTOR_EDGE_VOLUMES:-0}" \
  -e "ansible_python_interpreter=$(command -v python3)" "$@"
