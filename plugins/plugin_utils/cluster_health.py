# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readiness of what the cluster roles installed, from objects the Kubernetes API returned.

The health entry points of acstor.edge.csi_driver and acstor.edge.edge_volumes read the objects with
kubernetes.core.k8s_info and ask these functions what is not ready, one text per object.
"""

from __future__ import annotations


def _count(status, name):
    return status.get(name) or 0


def daemonset_not_ready(daemonset):
    """Why a DaemonSet is not rolled out, or None when it is.

    Ready as ``kubectl rollout status`` means it: the controller saw the latest spec and every scheduled
    pod runs it and is ready. No scheduled pod at all is not ready either: no node would serve volumes.
    """
    status = daemonset.get("status") or {}
    metadata = daemonset.get("metadata") or {}
    desired, ready = _count(status, "desiredNumberScheduled"), _count(status, "numberReady")
    updated = _count(status, "updatedNumberScheduled")
    unobserved = _count(status, "observedGeneration") < metadata.get("generation", 1)
    if not (unobserved or desired == 0 or ready < desired or updated < desired):
        return None
    text = f"{metadata.get('name')} {ready}/{desired} pods ready"
    if updated < desired:
        text += f", {updated} updated"
    if unobserved:
        text += ", spec not yet observed"
    return text


def daemonsets_not_ready(daemonsets):
    """One text per DaemonSet that is not rolled out, in the order given."""
    return [text for text in (daemonset_not_ready(item) for item in daemonsets or []) if text]


def _first_status(result, field):
    resources = result.get("resources") or []
    status = (resources[0].get("status") if resources else None) or {}
    return status.get(field, "absent")


def volumes_not_ready(claim_results, edge_volume_results):
    """'<name> claim <phase>' per claim not Bound, '<name> EdgeVolume <state>' per cloud volume not deployed.

    Both inputs are the ``results`` of a k8s_info loop over the volume list (each result has ``item`` and
    ``resources``); an object the API did not return is ``absent``.
    """
    problems = []
    for result in claim_results or []:
        phase = _first_status(result, "phase")
        if phase != "Bound":
            problems.append(f"{result['item']['name']} claim {phase}")
    for result in edge_volume_results or []:
        state = _first_status(result, "state")
        if state != "deployed":
            problems.append(f"{result['item']['name']} EdgeVolume {state}")
    return problems
