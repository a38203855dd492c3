# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`ansible-builder create` renders the execution environment's build context offline."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def test_builder_create_renders_the_context(tmp_path):
    builder = BIN / "ansible-builder"
    if not builder.exists():
        pytest.skip("ansible-builder is not installed beside %s (pip install ansible-builder)" % sys.executable)
    work = tmp_path / "ee"
    for name in ("execution-environment.yml", "requirements.txt", "requirements.yml", "meta/ee-bindep.txt"):
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, work / name)
    # The real collection tarball, as the EE file's comment tells users to build it.
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(work / "build"), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarballs = list((work / "build").glob("acstor-edge-*.tar.gz"))
    assert len(tarballs) == 1

    result = subprocess.run(
        [str(builder), "create", "-f", "execution-environment.yml", "-c", "context"],
        check=False,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    context = work / "context"
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists()).read_text()
    assert (context / "_build" / "collections" / tarballs[0].name).is_file()
    assert "kubernetes" in (context / "_build" / "requirements.txt").read_text()
    assert "kubernetes.core" in (context / "_build" / "requirements.yml").read_text()
    for expected in (
        "ansible-core==2.19.14",
        "/usr/local/bin/helm",
        "/usr/local/bin/kubectl",
        "helm-diff",
        "sha256sum -c",
        "collection install --no-deps -p /usr/share/ansible/collections",
    ):
        assert expected in containerfile, expected
    # The collection is installed in the galaxy stage, whose collections the final image copies.
    galaxy_stage = containerfile.split("AS galaxy", 1)[1].split("FROM ", 1)[0]
    assert "acstor-edge-*.tar.gz" in galaxy_stage
