# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the csi_driver role: the volume groups the nodes' stripe records hand to the local CSI driver."""

from __future__ import annotations

import base64
import json

from ansible.errors import AnsibleFilterError


def csi_driver_handoffs(record_reads):
    """The hand-offs the slurped stripe records name, each with the node (``host``) and the stripe (``stripe``).

    record_reads are the results of the role's slurp loop over (find result, file) pairs; a read that failed
    (no ``content``), a record that is not a mapping and a hand-off without a volume group are left out.
    """
    handoffs = []
    for read in record_reads or []:
        if "content" not in read:
            continue
        host, path = read["item"][0]["item"], read["item"][1].get("path", "")
        try:
            record = json.loads(base64.b64decode(read["content"]))
        except ValueError as exc:
            raise AnsibleFilterError("stripe record %s on %s is not JSON: %s" % (path, host, exc)) from exc
        handoff = record.get("csi_handoff") if isinstance(record, dict) else None
        if isinstance(handoff, dict) and handoff.get("volume_group"):
            handoffs.append(dict(handoff, host=host, stripe=record.get("name", "")))
    return handoffs


class FilterModule:
    def filters(self):
        return {"csi_driver_handoffs": csi_driver_handoffs}
