# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deprecation warnings for renamed acstor.edge variables (the old names still work for one release)."""

from __future__ import annotations

from ansible.utils.display import Display

# The plugin_utils are imported inside each filter, when it is called: to find one filter name, ansible-core
# imports every filter file of the collection, in every forked task worker that templates it.

display = Display()


def deprecated_variables(variables):
    from ansible_collections.acstor.edge.plugins.plugin_utils.inventory_model import deprecated_variable_messages

    """Warn (Ansible deprecation warning) for each deprecated variable name set; return the messages."""
    messages = deprecated_variable_messages(variables or {})
    for message in messages:
        # a literal, as ansible-test's pylint wants: inventory_model.DEPRECATED_VARIABLES_REMOVED_IN (a test compares)
        display.deprecated(message, version="0.3.0", collection_name="acstor.edge")
    return messages


class FilterModule(object):
    def filters(self):
        return {"deprecated_variables": deprecated_variables}
