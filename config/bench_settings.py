"""``make bench``'s server of the framework's floors: the project's settings, with the
urlconf of ``config.bench_framework`` in place of the project's routes."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "config.bench_framework"
