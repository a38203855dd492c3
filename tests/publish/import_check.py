"""Run galaxy-importer (what Galaxy and Automation Hub run on upload) on the built tarball; fail on any
ERROR or WARNING it logs except the notice that sanity ignore files exist (ours are justified per line).

    python import_check.py TARBALL

Configured by tests/publish/galaxy-importer.cfg: ansible-doc and ansible-lint run as on Galaxy; ansible-test
runs in our own sanity stages instead of the importer's container.

Galaxy requires `repository` in galaxy.yml, and the project has no public repository yet. Until it has, the
check imports a copy whose MANIFEST.json names $ACSTOR_REPOSITORY_URL (default: a .invalid placeholder) and
says so on a NOTE line; docs/releasing.md makes setting the real URL a release step, and Galaxy refuses an
upload without it, so nothing unpublishable gets out.
"""

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALLOWED = [re.compile(r"^WARNING: Ignore files skip ansible-test sanity tests, found ignore-[\d.]+\.txt")]
# galaxy-importer gives its ansible-lint run a fixed 180 s (loaders/collection.py), sized for Galaxy's servers;
# on our 2-core CI machine ansible-lint alone takes 90-190 s, so a timeout there would say nothing about the
# collection. The importer runs unchanged but for that budget; a lint finding still fails the check.
LINT_TIMEOUT = 900
IMPORTER = """
import subprocess, sys
from galaxy_importer import main
from galaxy_importer.loaders import collection


class LintBudget(subprocess.Popen):
    def communicate(self, input=None, timeout=None):
        return super().communicate(input, None if timeout is None else max(timeout, {budget}))


collection.Popen = LintBudget
sys.exit(main.main(sys.argv[1:]))
""".format(budget=LINT_TIMEOUT)


def problems(log):
    return [
        line
        for line in log.splitlines()
        if line.startswith(("ERROR", "WARNING")) and not any(p.match(line) for p in ALLOWED)
    ]


def with_repository(tarball, workdir):
    """The tarball itself when MANIFEST.json names a repository, else a copy that does (see above)."""
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
        if manifest["collection_info"].get("repository"):
            return tarball
        url = os.environ.get("ACSTOR_REPOSITORY_URL", "https://repository.invalid/acstor/edge")
        print(
            f"NOTE: galaxy.yml has no repository, which Galaxy requires; importing a copy that names {url} "
            "(set the real one before publishing: docs/releasing.md)"
        )
        manifest["collection_info"]["repository"] = url
        copy = Path(workdir) / Path(tarball).name
        with tarfile.open(copy, "w:gz") as out:
            for member in archive.getmembers():
                if member.name == "MANIFEST.json":
                    data = json.dumps(manifest, indent=4).encode()
                    member.size = len(data)
                    out.addfile(member, io.BytesIO(data))
                else:
                    out.addfile(member, archive.extractfile(member) if member.isfile() else None)
        return copy


def main(tarball):
    env = dict(os.environ, GALAXY_IMPORTER_CONFIG=str(HERE / "galaxy-importer.cfg"))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # ansible-doc, ansible-lint
    with tempfile.TemporaryDirectory() as cwd:  # the importer writes importer_result.json into its cwd
        artifact = with_repository(Path(tarball).resolve(), cwd)
        proc = subprocess.run(
            [sys.executable, "-c", IMPORTER, str(artifact)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    log = proc.stdout + proc.stderr
    print(log)
    found = problems(log)
    if proc.returncode != 0 or found:
        print(f"galaxy-importer: exit {proc.returncode}, {len(found)} problem(s):", *found, sep="\n  ")
        return 1
    print("galaxy-importer: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
