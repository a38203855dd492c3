"""Bad input changes nothing: run a module's main() on wrong input and require a refusal before the module reaches
anything that would read or change the node, the cluster or Azure.

`refusal(module, args, forbidden)` patches each forbidden function (`{owner: [names]}`, owner a module object) with
one that fails the test when called, forbids every run_command call, and returns the module's result; the caller
asserts what the message says.
"""

from unittest import mock

from module_harness import CommandSequence, ModuleExit, run_module

__all__ = ["ModuleExit", "must_not", "refusal", "refusal_message"]


def must_not(name):
    """A stand-in for `name` that fails the test: bad input must be refused before it is called."""

    def reached(*args, **_kwargs):
        raise AssertionError("bad input reached %s%r" % (name, args))

    return reached


def refusal(module, args, forbidden=None):
    """The result of module.main() on args, with every function in forbidden (`{owner: [names]}`) failing the test
    if called, as must run_command."""
    patches = [
        mock.patch.object(owner, name, must_not(name)) for owner, names in (forbidden or {}).items() for name in names
    ]
    return run_module(module, args, CommandSequence([]), patches=patches)


def refusal_message(module, args, forbidden=None):
    """refusal(), which must have failed: its message."""
    result = refusal(module, args, forbidden)
    assert result["failed"], result
    return result["msg"]
