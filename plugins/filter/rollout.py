# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the rollout role and the fleet playbooks: the cluster model, node outcomes, teardown failures, cluster
phases, the stripes' gate, the rollout summary and the drift report's lines."""

from __future__ import annotations

# The plugin_utils are imported inside each filter, when it is called: to find one filter name, ansible-core
# imports every filter file of the collection, in every forked task worker that templates it.


def fleet_cluster_model(requested, members, hostvars):
    from ansible_collections.acstor.edge.plugins.plugin_utils import rollout_model

    return rollout_model.cluster_model(requested or [], members or {}, hostvars)


def fleet_node_outcomes(nodes, hostvars):
    from ansible_collections.acstor.edge.plugins.plugin_utils import rollout_model

    return rollout_model.node_outcomes(nodes or [], hostvars)


def fleet_teardown_failures(clusters, hostvars):
    from ansible_collections.acstor.edge.plugins.plugin_utils import rollout_model

    return rollout_model.teardown_failures(clusters or [], hostvars)


def fleet_cluster_phases(nodes, hostvars, phases=None):
    from ansible_collections.acstor.edge.plugins.plugin_utils import rollout_model

    return rollout_model.cluster_phases(nodes or [], hostvars, phases)


def fleet_present_stripes(stripes):
    from ansible_collections.acstor.edge.plugins.plugin_utils import rollout_model

    return rollout_model.present_stripes(stripes)


def fleet_stripe_problems(names, health):
    from ansible_collections.acstor.edge.plugins.plugin_utils import rollout_model

    return rollout_model.stripe_problems(names or [], health)


def fleet_cluster_summary(plan, batch_results, hostvars):
    from ansible_collections.acstor.edge.plugins.plugin_utils import rollout_summary

    return rollout_summary.cluster_summary(plan or {}, batch_results or [], hostvars)


def fleet_summary_lines(summary):
    from ansible_collections.acstor.edge.plugins.plugin_utils import rollout_summary

    return rollout_summary.summary_lines(summary)


def fleet_drift_lines(drift):
    from ansible_collections.acstor.edge.plugins.plugin_utils import drift_report

    return drift_report.drift_lines(drift)


class FilterModule:
    def filters(self):
        return {
            "fleet_cluster_model": fleet_cluster_model,
            "fleet_node_outcomes": fleet_node_outcomes,
            "fleet_teardown_failures": fleet_teardown_failures,
            "fleet_cluster_phases": fleet_cluster_phases,
            "fleet_present_stripes": fleet_present_stripes,
            "fleet_stripe_problems": fleet_stripe_problems,
            "fleet_cluster_summary": fleet_cluster_summary,
            "fleet_summary_lines": fleet_summary_lines,
            "fleet_drift_lines": fleet_drift_lines,
        }
