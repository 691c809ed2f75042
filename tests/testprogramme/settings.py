"""Test settings with the test programme installed (``tests/testprogramme``)."""

from project.settings.test import *  # noqa: F403
from project.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testprogramme"]
