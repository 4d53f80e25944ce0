import pytest

from tests.dividend.world import build


@pytest.fixture
def world(cast, settings, tmp_path):
    """The five holders of 920001 (world.py), files written under a fresh directory."""
    settings.CSDP_FILES_DIR = tmp_path / "files"
    return build(cast.issuer_a)
