from django.db import migrations

from kiemdiem.core.paging import unindexed_statistics


class Migration(migrations.Migration):
    dependencies = [("remediation", "0009_queue_waiting_since")]

    # the plan list's `cycle_id + 0 IN (…)` per year (issue 17, part 11b)
    operations = [unindexed_statistics("remediation_remediationplan", "cycle_id")]
