"""The static files' storage gives whitenoise's URLs, each worked out once per process."""

import json
from unittest import mock

import pytest
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.test import override_settings

from kiemdiem.core.storage import StaticFilesStorage


def _storage(tmp_path) -> StaticFilesStorage:
    manifest = {"version": "1.1", "paths": {"js/app.js": "js/app.0123abcd.js"}, "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=str(tmp_path), base_url="/static/")


@override_settings(DEBUG=False)
def test_the_hashed_url_is_looked_up_once(tmp_path):
    storage = _storage(tmp_path)
    looked_up = mock.patch.object(
        ManifestStaticFilesStorage,
        "stored_name",
        autospec=True,
        side_effect=ManifestStaticFilesStorage.stored_name,
    )
    with looked_up as stored_name:
        assert storage.url("js/app.js") == "/static/js/app.0123abcd.js"
        assert storage.url("js/app.js") == "/static/js/app.0123abcd.js"
    assert stored_name.call_count == 1


def test_with_debug_the_plain_name_and_a_missing_file_is_still_refused(tmp_path):
    storage = _storage(tmp_path)
    with override_settings(DEBUG=True):
        assert storage.url("js/app.js") == "/static/js/app.js"
    with override_settings(DEBUG=False):
        assert storage.url("js/app.js") == "/static/js/app.0123abcd.js"
        for _ in range(2):  # not remembered: a file left out of the manifest fails every time
            with pytest.raises(ValueError, match="missing.js"):
                storage.url("js/missing.js")
