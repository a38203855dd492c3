# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stripes' read-ahead: acstor.edge.nvme_stripes run in check mode inside another module's call.

On a node where nothing changes, the nvme_stripe role's own module call would only confirm that. node_prep's module,
when it changed nothing, calls read_ahead() with the arguments the role would pass to acstor.edge.nvme_stripes and
returns its answer; the role skips its call when that answer says in sync, for the same arguments (args_digest),
and was not used before (id). One module call on a no-op instead of two.

The check run is nvme_stripes' own code (stripe/node_runner.converge_node) on a facade of the caller's module that
is in check mode: it plans and reads, and writes nothing (the planners' apply paths all test check_mode first). The
facade offers only what converge_node uses: an attribute it does not have fails the read-ahead (in_sync false), never
reaches the caller's module.

Not pure: it reads the node through the caller's run_command.
"""

import hashlib
import json
import uuid

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.acstor.edge.plugins.module_utils.stripe.node_runner import (
    ARGUMENT_SPEC,
    converge_node,
    input_errors,
)


class ReadAheadFailed(Exception):
    """The check run's fail_json: msg and the result it carried."""

    def __init__(self, msg, result):
        super(ReadAheadFailed, self).__init__(msg)
        self.result = result


class CheckModeModule(object):
    """What converge_node uses of an AnsibleModule, always in check mode and without diff: commands and tool paths
    are the caller's (reads only, in check mode), warnings are kept for the caller to emit or drop, a failure
    raises ReadAheadFailed."""

    check_mode = True
    _diff = False

    def __init__(self, module):
        self._module = module
        self.warnings = []

    def run_command(self, *args, **kwargs):
        return self._module.run_command(*args, **kwargs)

    def get_bin_path(self, *args, **kwargs):
        return self._module.get_bin_path(*args, **kwargs)

    def warn(self, warning):
        self.warnings.append(warning)

    def fail_json(self, msg, **result):
        raise ReadAheadFailed(msg, result)


def args_digest(args):
    """sha256 of the arguments as the role computes it: `args | to_json(sort_keys=True) | hash('sha256')`."""
    return hashlib.sha256(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()


def argument_errors(args):
    """(errors, validated parameters): nvme_stripes' argument spec, then its own input rules, as the module applies
    them before it reads the node."""
    if not isinstance(args, dict):
        return ["a dict of nvme_stripes' options, not %s" % type(args).__name__], None
    validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
    errors = validated.error_messages
    if errors:
        return errors, None
    params = validated.validated_parameters
    return input_errors(params), params


def _not_in_sync(answer, reason, result=None):
    answer.update(in_sync=False, reason=reason, result=result or {})
    return answer


def read_ahead(module, args):
    """nvme_stripes' answer for args (its options, as the role passes them) without changing anything: a dict with
    in_sync (the check run changes nothing and did not fail), id (a fresh nonce), args_digest, result (the check
    run's, as nvme_stripes returns it, without diff) and reason (why not in sync, else empty). Never raises."""
    answer = dict(in_sync=False, id=uuid.uuid4().hex, args_digest="", reason="", result={})
    try:
        answer["args_digest"] = args_digest(args)
        errors, params = argument_errors(args)
        if errors:
            return _not_in_sync(answer, "nvme_stripes arguments: %s" % "; ".join(errors))
        facade = CheckModeModule(module)
        try:
            result = converge_node(facade, params)
        except ReadAheadFailed as failed:
            return _not_in_sync(answer, "the stripes' check run failed: %s" % failed, failed.result)
        if result["changed"]:
            actions = "; ".join(result.get("actions") or []) or "temporary files to remove"
            return _not_in_sync(answer, "the stripes would change: %s" % actions, result)
    except Exception as error:  # pylint: disable=broad-except  # a read-ahead never fails its caller
        return _not_in_sync(answer, "the stripes' read-ahead failed: %s: %s" % (type(error).__name__, error))
    # the role's own call, skipped, would have emitted them: once, here
    for warning in facade.warnings:
        module.warn(warning)
    answer.update(in_sync=True, result=result)
    return answer
