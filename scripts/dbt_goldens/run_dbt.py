"""Run the dbt CLI with a fixed clock and invocation id, so compiled SQL is reproducible.

dbt renders `run_started_at` from the moment the process starts and `invocation_id` from a
fresh uuid4. Both can end up in compiled SQL (the sample project's current_timestamp() override
renders run_started_at), so for goldens they are pinned:

  run_started_at = $MEDALLION_RUN_STARTED_AT  (default 2024-01-01T00:00:00+00:00)
  invocation_id  = $MEDALLION_INVOCATION_ID   (default 00000000-0000-4000-8000-000000000000)

usage: python run_dbt.py <dbt arguments...>   (same arguments and exit code as `dbt`)
"""
import os
import sys
from datetime import datetime

import dbt_common.invocation as invocation

RUN_STARTED_AT = datetime.fromisoformat(
    os.environ.get("MEDALLION_RUN_STARTED_AT", "2024-01-01T00:00:00+00:00")
)
INVOCATION_ID = os.environ.get("MEDALLION_INVOCATION_ID", "00000000-0000-4000-8000-000000000000")


def _fixed_reset_invocation_id():
    invocation._INVOCATION_ID = INVOCATION_ID
    invocation._INVOCATION_STARTED_AT = RUN_STARTED_AT.replace(tzinfo=None)


invocation.reset_invocation_id = _fixed_reset_invocation_id
_fixed_reset_invocation_id()

import dbt.tracking as tracking  # noqa: E402  (after the invocation patch on purpose)

_user_init = tracking.User.__init__


def _user_init_fixed_clock(self, cookie_dir):
    _user_init(self, cookie_dir)
    self.run_started_at = RUN_STARTED_AT


tracking.User.__init__ = _user_init_fixed_clock

from dbt.cli.main import cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(cli(prog_name="dbt"))
