"""finks_infra.emulate: apply the rendered stack to an emulated account (a moto server).

    from finks_infra.emulate import apply_stack
    report = apply_stack(config)          # config: load_config("infrastructure/config", env)
    assert not apply_stack(config).changed

Used by ``infrastructure:deploy`` when ``FINKS_PULUMI_EMULATE=1`` (the release
rehearsal's Pulumi stand-in) and by the IAM proof tests.
"""

from finks_infra.emulate.apply import apply_stack
from finks_infra.emulate.context import ApplyReport
from finks_infra.emulate.principals import act_as

__all__ = ["ApplyReport", "act_as", "apply_stack"]
