"""Issue 16: a deploy and the ledger CLI on an account they cannot use.

Each case is a real loopback server (moto with IAM enforcement, a closed port, an
empty credential chain, a bucket in another region). Every command must exit 2
with one line naming the problem, and change no object, lock or ledger entry.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from finks_deploy import deploy_main, ledger_cli
from finks_deploy.tests.conftest import BrokenAccount
from finks_deploy.tests.test_contract import Demo, bundle


def one_error_line(err: str, prefix: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(prefix), lines[0]
    assert "Traceback" not in err and "Error:" not in err and "Exception" not in err
    return lines[0]


def test_deploy_refuses_before_changing_anything(
    broken_account: BrokenAccount, tmp_path: Path
) -> None:
    before = broken_account.objects()
    project = Demo(bundle(tmp_path))
    out, err = io.StringIO(), io.StringIO()
    code = deploy_main(project, ["--env", "dev"], out=out, err=err)
    assert code == 2, err.getvalue()
    line = one_error_line(err.getvalue(), "[DEV] demo deploy: error: ")
    assert broken_account.expect in line
    assert out.getvalue().startswith("[DEV] deploying demo")
    assert not project.calls
    assert broken_account.objects() == before


def test_ledger_show_says_what_is_wrong(
    broken_account: BrokenAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    before = broken_account.objects()
    code = ledger_cli.main(["show", "--env", "dev"])
    captured = capsys.readouterr()
    assert code == 2
    line = one_error_line(captured.err, "[DEV] ledger: error: reading the dev deploy ledger: ")
    assert broken_account.expect in line
    assert captured.out.startswith("[DEV] deploy ledger (show)")
    assert broken_account.objects() == before
