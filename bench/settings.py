"""Settings of the page benchmark's server: the app's, plus one hello-world URL (bench.urls)."""

from kiemdiem.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
