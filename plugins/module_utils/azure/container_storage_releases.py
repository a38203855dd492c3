# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the microsoft.arc.containerstorage release notes and FAQ say about moving an installed extension to an
older version. Pure functions, used by the extension planner for every version change (a pinned older version and
the rollout's rollback alike).

Microsoft documents no downgrade path at all. Two notes make some downgrades known to fail, and those are refused;
every other downgrade is allowed with a warning that says its support is not known.
"""

from ansible_collections.acstor.edge.plugins.module_utils.k8s.edge_volumes import (
    CURRENT_KINDS_SINCE,
    parse_extension_version,
)

EXTENSION_TYPE = "microsoft.arc.containerstorage"
# Edge Volumes FAQ: "Versions after 2.1.0-preview are upgradeable"; earlier ones must be uninstalled first.
UPGRADEABLE_AFTER = (2, 1, 0)


def _text(version):
    return ".".join(str(part) for part in version)


def downgrade_verdict(extension_type, version_before, version_after):
    """(refusal, warning) for moving the extension from version_before to version_after; both None when it is not a
    downgrade of microsoft.arc.containerstorage (or a version is unknown: nothing to compare)."""
    if (extension_type or "").lower() != EXTENSION_TYPE:
        return None, None
    before, after = parse_extension_version(version_before), parse_extension_version(version_after)
    if before is None or after is None or after >= before:
        return None, None
    move = "version {0} -> {1} is a downgrade".format(version_before, version_after)
    if after <= UPGRADEABLE_AFTER:
        return (
            "{0} to a version the Edge Volumes FAQ says cannot be upgraded in place (only versions after "
            "2.1.0-preview can); uninstall the extension and install that version instead".format(move),
            None,
        )
    if before >= CURRENT_KINDS_SINCE > after:
        return (
            "{0} across {1}, where the release notes move Ingest and Mirror subvolumes to new custom resource kinds "
            "(EdgeSubvolume up to 2.7); the older version does not serve the subvolumes the newer one "
            "holds".format(move, _text(CURRENT_KINDS_SINCE)),
            None,
        )
    return None, (
        "{0}: the extension's release notes neither support nor forbid it, so whether it works is not known to "
        "acstor.edge".format(move)
    )
