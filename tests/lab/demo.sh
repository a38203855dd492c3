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
echo "== the same playbook again: a rerun changes nothing (only the recap is shown)"
rerun_log=$(mktemp)
if ! ansible-playbook -i inventories/lab --limit "$NODE,lab-cluster,localhost" playbooks/site.yml "$@" \
    >"$rerun_log" 2>&1; then
  tail -n 40 "$rerun_log"; rm -f "$rerun_log"; exit 1
fi
sed -n '/^PLAY RECAP/,/^$/p' "$rerun_log"
rm -f "$rerun_log"
cat <<MSG

The lab node $NODE is still running so you can look around. The inventory (inventories/lab) puts its four
local NVMe into the local CSI driver's volume group (nvme_stripe mode csi_vg: a VG, no LV, no mount):
  python3 tests/lab/edgelab.py ssh $NODE -- 'lsblk; pvs; vgs -o+vg_tags'   # or: ... ssh $NODE for a shell
  .venv/bin/ansible-playbook -i inventories/lab --limit $NODE,lab-cluster,localhost playbooks/site.yml
  make lab-down                                                            # stop it (and any fleet hosts)
MSG
