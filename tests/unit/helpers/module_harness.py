"""One harness for running a module's main() in a unit test, and one YAML format for its cases.

The idea is community.general's UTHelper (tests/unit/plugins/modules/uthelper.py there): a test module declares
its cases in a YAML file beside it, each with the module input, the exact run_command calls the module must make,
and the expected result. Our format, one list of cases per file:

    - id: check_mode_plans_a_stripe       # the pytest id
      check_mode: true                    # optional, default false; diff mode is always on
      input: {name: fast}                 # the module arguments
      calls:                              # every run_command call, in order: [argv, rc, stdout, stderr]
        - [[lsblk, --json], 0, {from: lsblk}, ""]
      expect:                             # result keys compared exactly ("failed" defaults to false)
        changed: true
        msg_contains: ["a fragment"]      # each must be in result["msg"]
      expect_partial:                     # result keys compared as subsets: dicts may hold more keys
        os: {os_family: Debian}

stdout and stderr are strings, `{text: ...}`, or another one-key mapping the test resolves (`{from: key}` in a
recorded snapshot, `{fixture: name}`). A case may carry more keys that describe the node (snapshot, files...); the
test lists them when it loads the cases, and any other key is refused, so a typo cannot silently drop a check.
"""

import contextlib
from pathlib import Path
from unittest import mock

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

CASE_KEYS = frozenset(("id", "check_mode", "input", "calls", "expect", "expect_partial"))


class ModuleExit(Exception):
    """Raised by the patched exit_json/fail_json; .result is what the module returned."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


def _exit_json(_module, **result):
    result.setdefault("failed", False)
    raise ModuleExit(result)


def _fail_json(_module, msg, **result):
    result.update(failed=True, msg=msg)
    raise ModuleExit(result)


def load_cases(test_file, extra_keys=()):
    """The cases in the YAML file beside test_file (same name, .yaml), checked for unknown keys."""
    path = Path(test_file).with_suffix(".yaml")
    cases = yaml.safe_load(path.read_text())
    allowed = CASE_KEYS | set(extra_keys)
    for case in cases:
        unknown = set(case) - allowed
        if unknown or "id" not in case:
            raise ValueError("{0}: case {1!r} has unknown keys {2}".format(path.name, case.get("id"), sorted(unknown)))
    return cases


def case_ids(cases):
    return [case["id"] for case in cases]


class CommandSequence:
    """AnsibleModule.run_command answered from the expected calls, in order; any other call fails the test.

    `resolve(value)` turns a one-key mapping in stdout/stderr into text; `{text: ...}` is resolved here."""

    def __init__(self, calls, resolve=None):
        self.expected = [list(call) for call in calls]
        self.resolve = resolve
        self.seen = []

    def _text(self, value):
        if isinstance(value, dict) and set(value) == {"text"}:
            return value["text"]
        if isinstance(value, dict):
            assert self.resolve is not None, "no resolver for %r" % (value,)
            return self.resolve(value)
        return value

    def run_command(self, module, argv, check_rc=False, **_kwargs):
        assert self.expected, "unexpected command %s (after %s)" % (argv, self.seen)
        command, rc, out, err = self.expected.pop(0)
        assert argv == command, "command %d: expected %s, got %s" % (len(self.seen) + 1, command, argv)
        self.seen.append(argv)
        out, err = self._text(out), self._text(err)
        if check_rc and rc != 0:  # what AnsibleModule.run_command does with check_rc=True
            module.fail_json(cmd=argv, rc=rc, stdout=out, stderr=err, msg=err or out)
        return rc, out, err

    def assert_all_run(self):
        assert self.expected == [], "commands expected but not run: %s" % self.expected


def _bin_path_in(names):
    def get_bin_path(_module, name, *_args, **_kwargs):
        return "/usr/bin/" + name if names is None or name in names else None

    return get_bin_path


def run_module(module, args, commands=None, bins=None, patches=()):
    """Run module.main() with args; returns its result dict.

    commands: a CommandSequence (None: any run_command call fails the test). bins: the names get_bin_path finds in
    /usr/bin (None: every name). patches: more context managers (mock.patch...) active while the module runs."""
    commands = commands if commands is not None else CommandSequence([])

    def run_command(module_self, argv, **kwargs):
        return commands.run_command(module_self, argv, **kwargs)

    with contextlib.ExitStack() as stack:
        stack.enter_context(patch_module_args(args))
        stack.enter_context(
            mock.patch.multiple(
                basic.AnsibleModule,
                exit_json=_exit_json,
                fail_json=_fail_json,
                run_command=run_command,
                get_bin_path=_bin_path_in(bins),
            )
        )
        for patch in patches:
            stack.enter_context(patch)
        with pytest.raises(ModuleExit) as caught:
            module.main()
    return caught.value.result


def run_case(module, case, resolve=None, bins=None, patches=()):
    """Run one YAML case: its input (check mode as the case says, diff on), its calls, then its expectations."""
    commands = CommandSequence(case.get("calls") or [], resolve)
    args = dict(case["input"], _ansible_check_mode=case.get("check_mode", False), _ansible_diff=True)
    result = run_module(module, args, commands, bins, patches)
    commands.assert_all_run()
    check_expectations(case, result)
    return result


def subset(expected, actual):
    """Dicts: every expected key is in actual with a matching value; anything else: equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    return expected == actual


def check_expectations(case, result):
    expect = dict(case.get("expect") or {})
    partial = dict(case.get("expect_partial") or {})
    if "failed" not in expect and "failed" not in partial:
        expect["failed"] = False
    for fragment in expect.pop("msg_contains", []):
        assert fragment in result.get("msg", ""), "%r not in msg %r" % (fragment, result.get("msg"))
    for key, value in expect.items():
        assert result.get(key) == value, "%s: expected %r, got %r" % (key, value, result.get(key))
    for key, value in partial.items():
        assert subset(value, result.get(key)), "%s: expected at least %r, got %r" % (key, value, result.get(key))
