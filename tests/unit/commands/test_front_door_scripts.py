"""The two shell doors: run_longrl.sh picks the repo's .venv, and .ci/run runs the README's Quick-start block."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _fake_python(path: Path, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/usr/bin/env bash\necho "{name} $*"\n')
    path.chmod(0o755)


def test_run_longrl_uses_the_repo_venv_and_python_wins(tmp_path):
    shutil.copy(REPO / "run_longrl.sh", tmp_path / "run_longrl.sh")
    _fake_python(tmp_path / ".venv" / "bin" / "python", "venv-python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "VIRTUAL_ENV")}
    out = subprocess.run(
        ["bash", str(tmp_path / "run_longrl.sh"), "--dry-run"],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "venv-python -m longrlvr train --dry-run"
    _fake_python(tmp_path / "other" / "py", "env-python")
    out = subprocess.run(
        ["bash", str(tmp_path / "run_longrl.sh")],
        env=dict(env, PYTHON=str(tmp_path / "other/py")),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "env-python -m longrlvr train"


def _ci_repo(tmp_path: Path, block: str) -> Path:
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(REPO / ".ci" / "run", repo / ".ci" / "run")
    readme = f"# x\n\n## Quick start\n\n```bash\n{block}```\n\n## Next\n\n```bash\necho never\n```\n"
    (repo / "README.md").write_text(readme)
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=repo, check=True)
    return repo


def _ci(repo: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, VIRTUAL_ENV="/somewhere")
    return subprocess.run(["bash", str(repo / ".ci" / "run")], env=env, capture_output=True, text=True)


def test_ci_runs_the_quick_start_block_verbatim_in_a_clean_clone(tmp_path):
    repo = _ci_repo(
        tmp_path,
        'echo "WARNING: pip noise" && echo "setup $VIRTUAL_ENV" && pwd   # comment\nbash -c "echo pytest -q; exit 5"\n',
    )
    (repo / "untracked.txt").write_text("not in the clone")
    done = _ci(repo)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == 'ci$ echo "WARNING: pip noise" && echo "setup $VIRTUAL_ENV" && pwd'
    assert "setup " in lines and "WARNING: pip noise" not in lines  # no venv active, pip noise filtered
    assert Path(lines[2]) != repo and not (Path(lines[2]) / "untracked.txt").exists()  # a clean clone
    assert "pytest collected no tests (exit 5)" in done.stdout and "never" not in done.stdout


def test_ci_fails_when_a_readme_command_fails(tmp_path):
    done = _ci(_ci_repo(tmp_path, "true\nbash -c 'exit 3'\necho after\n"))
    assert done.returncode == 3 and "after" not in done.stdout
    assert "ci: FAILED (exit 3): bash -c 'exit 3'" in done.stderr
