from django.db import migrations

from kiemdiem.core.paging import unindexed_statistics


class Migration(migrations.Migration):
    dependencies = [("reviews", "0006_commitment_counts_summary")]

    # the cycle page's `cycle_id + 0 IN (…)` (issue 17, part 11b)
    operations = [unindexed_statistics("reviews_review", "cycle_id")]
