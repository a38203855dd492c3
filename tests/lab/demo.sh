#!/usr/bin/env bash
# make demo: start one lab node with 4 local NVMe, then run playbooks/site.yml against inventories/lab.
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE=${DEMO_NODE:-edge1}
edgelab() { python3 tests/lab/edgelab.py "$@"; }
if edgelab status | grep "^$NODE " >/dev/null; then edgelab down "$NODE"; fi
echo "== starting lab node $NODE (4 x 'Microsoft NVMe Direct Disk')"
edgelab up "$NODE" --nvme 4 --size 4 --model local
echo "== ansible-playbook -i inventories/lab --limit $NODE,lab-cluster,localhost playbooks/site.yml"
ansible-playbook -i inventories/lab --limit "$NODE,lab-cluster,localhost" playbooks/site.yml "$@"
cat <<MSG

The lab node $NODE is still running so you can look around:
  python3 tests/lab/edgelab.py ssh $NODE -- lsblk      # or: ... ssh $NODE for a shell
  make lab-down                                       # stop it (and any fleet hosts)
MSG
