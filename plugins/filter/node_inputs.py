# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that check the node roles' variables with the rules their modules use (module_utils/node/inputs)."""

from __future__ import annotations

from ansible_collections.acstor.edge.plugins.plugin_utils.node_role_inputs import (
    pick_role_variables,
    role_input_errors,
)


def node_role_input_errors(variables, role):
    """Errors of one node role's variables ({name: value}), each naming the variable and the rule it breaks."""
    return role_input_errors(role, dict(variables or {}))


def node_role_variables(hostvars):
    """The node role variables a host sets, picked from hostvars[host] by name."""
    return pick_role_variables(hostvars)


class FilterModule(object):
    def filters(self):
        return {
            "node_role_input_errors": node_role_input_errors,
            "node_role_variables": node_role_variables,
        }
