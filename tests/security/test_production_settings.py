"""Production cannot run on the sandbox gateway by accident: its settings refuse to start unless
ALLOW_SANDBOX_GATEWAY=true, and `check --deploy` reports the sandbox gateway even then (issue 15)."""
import re

from tests.config.test_settings import PRODUCTION, _manage


def test_production_settings_pass_check_deploy_but_for_the_sandbox_gateway_they_were_allowed():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "ALLOW_SANDBOX_GATEWAY": "true"})
    assert result.returncode != 0
    output = result.stdout + result.stderr
    # staticfiles.W004 only where node_modules is not installed (a fresh worktree): not a deploy setting.
    assert set(re.findall(r"\((\w+\.[WE]\d+)\)", output)) - {"staticfiles.W004"} == {"core.W001"}, output
    assert "(core.W001) PAYMENT_GATEWAY is the sandbox gateway" in output


def test_production_refuses_to_start_on_the_sandbox_gateway_unless_allowed():
    result = _manage("check", **{**PRODUCTION, "ALLOW_SANDBOX_GATEWAY": "false"})
    assert result.returncode != 0
    assert "PAYMENT_GATEWAY is the sandbox gateway, which charges no card" in result.stderr
    assert _manage("check", **{**PRODUCTION, "ALLOW_SANDBOX_GATEWAY": "true"}).returncode == 0
