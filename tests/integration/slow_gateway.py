"""The sandbox gateway, slowed after it has recorded a charge: a worker killed during the wait has taken the
money at the processor but not yet written the ledger, the moment a lost worker is most dangerous."""
import os
import time

from billing.credits.gateway.sandbox import SandboxGateway


class SlowSandboxGateway(SandboxGateway):
    def charge(self, **kwargs):
        result = super().charge(**kwargs)
        time.sleep(float(os.environ.get("RECHARGE_TEST_GATEWAY_DELAY", "0")))
        return result
