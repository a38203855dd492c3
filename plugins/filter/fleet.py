# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for fleet rollouts: the inventory model and its validation, batches, batch verdicts and webhook targets."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

# The plugin_utils are imported inside each filter, when it is called: to find one filter name, ansible-core
# imports every filter file of the collection, in every forked task worker that templates it.


def fleet_inventory_nodes(hosts, hostvars):
    from ansible_collections.acstor.edge.plugins.plugin_utils.inventory_model import inventory_nodes

    return inventory_nodes(hosts or [], hostvars)


def fleet_inventory_clusters(hosts, hostvars):
    from ansible_collections.acstor.edge.plugins.plugin_utils.inventory_model import inventory_clusters

    return inventory_clusters(hosts or [], hostvars)


def fleet_inventory_errors(nodes, clusters, rollout=None):
    from ansible_collections.acstor.edge.plugins.plugin_utils.inventory_model import validate_inventory

    return validate_inventory(nodes or {}, clusters or {}, rollout)


def fleet_rollout_batches(clusters, serial, canaries=None, max_batches=None):
    from ansible_collections.acstor.edge.plugins.plugin_utils.rollout_plan import RolloutPolicyError, plan_batches

    try:
        return plan_batches(clusters, serial, canaries or (), max_batches)
    except RolloutPolicyError as exc:
        raise AnsibleFilterError("rollout_serial: %s" % exc) from exc


def fleet_batch_verdict(clusters, failed_clusters, max_fail_percentage):
    from ansible_collections.acstor.edge.plugins.plugin_utils.rollout_plan import batch_verdict

    return batch_verdict(clusters, failed_clusters, max_fail_percentage)


def fleet_webhook_targets(payload, inventory_dirs, clusters, branches=None):
    from ansible_collections.acstor.edge.plugins.plugin_utils.gitops_changes import WebhookPayloadError, rollout_targets

    try:
        return rollout_targets(payload, inventory_dirs, clusters, branches or ())
    except WebhookPayloadError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule(object):
    def filters(self):
        return {
            "fleet_inventory_nodes": fleet_inventory_nodes,
            "fleet_inventory_clusters": fleet_inventory_clusters,
            "fleet_inventory_errors": fleet_inventory_errors,
            "fleet_rollout_batches": fleet_rollout_batches,
            "fleet_batch_verdict": fleet_batch_verdict,
            "fleet_webhook_targets": fleet_webhook_targets,
        }
