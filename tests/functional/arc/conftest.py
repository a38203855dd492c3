"""Fixtures for the Arc/ARM functional tests: an HTTPS ARM test server and an ansible-playbook runner."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SERVERS_DIR = Path(__file__).resolve().parents[2] / "servers"
if str(SERVERS_DIR) not in sys.path:
    sys.path.insert(0, str(SERVERS_DIR))

from acstor_testlib import LOCAL_PLAY_ARGS  # noqa: E402  pylint: disable=wrong-import-position
from arm_server import SUBSCRIPTION, ArmTestServer  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def arm_server(shared_reference, tmp_path):
    """A fresh ARM test server per test (state, faults and request log are per test)."""
    server = ArmTestServer(shared_reference, tmp_path / "arm").start()
    yield server
    server.stop()


class PlaybookRunner:
    """ansible-playbook against the ARM test server, with credentials in the environment as AWX injects them."""

    def __init__(self, server, tmp_path, ansible_environment):
        self.server = server
        self.tmp_path = tmp_path
        self.ansible_environment = ansible_environment
        self.count = 0

    def env(self, **extra):
        values = self.server.client_env(SUBSCRIPTION)
        values["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.timer"
        values.update(extra)
        return self.ansible_environment(**values)

    def write_play(self, tasks, roles_path=None):
        self.count += 1
        playbook = self.tmp_path / "play{0}.yml".format(self.count)
        playbook.write_text(
            "- hosts: localhost\n  gather_facts: false\n  tasks:\n{0}".format(
                textwrap.indent(textwrap.dedent(tasks), "    ")
            )
        )
        return playbook

    def run(self, tasks, check=False, diff=False, verbosity=0, extra_env=None, unset_env=(), text=False):
        """Run a play of `tasks` (YAML) on localhost.

        Returns (rc, {task name: result}, output); with text=True the default callback's output is returned
        instead of parsed results (for -vvv secret checks).
        """
        playbook = self.write_play(tasks)
        command = [
            "ansible-playbook",
            str(playbook),
            *LOCAL_PLAY_ARGS,
        ]
        command += ["--check"] if check else []
        command += ["--diff"] if diff else []
        command += ["-" + "v" * verbosity] if verbosity else []
        env = self.env(**(extra_env or {}))
        for name in unset_env:
            env.pop(name, None)
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.default" if text else "ansible.posix.json"
        env["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json"  # one line per message (ansible.cfg's yaml format wraps)
        process = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False)
        output = process.stdout + process.stderr
        results = {}
        if not text:
            try:
                # ansible.cfg enables the timer callback, which appends a recap line after the JSON document.
                data, _end = json.JSONDecoder().raw_decode(process.stdout[process.stdout.index("{") :])
            except ValueError as exc:
                raise AssertionError("ansible-playbook output is not JSON:\n" + output) from exc
            for play in data["plays"]:
                for task in play["tasks"]:
                    results[task["task"]["name"]] = task["hosts"].get("localhost", {})
        return process.returncode, results, output


@pytest.fixture
def playbook(arm_server, tmp_path, ansible_env):
    return PlaybookRunner(arm_server, tmp_path, ansible_env)
