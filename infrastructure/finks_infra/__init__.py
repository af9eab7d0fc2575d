"""finks_infra: the Finks platform's Pulumi program, one stack per environment.

The stacks' shapes (sizes, counts, retention, Multi-AZ, Spot, audit) live in
``infrastructure/Pulumi.<stack>.yaml``; every AWS name comes from finks_config.
"""

from finks_infra.stack_config import StackConfig, StackConfigError, load_stack_config

__all__ = ["StackConfig", "StackConfigError", "load_stack_config"]
