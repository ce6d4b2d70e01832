import pytest
from boneage_core.data import shared_data


def _shared_or_skip(name, what):
    p = shared_data(name)
    if p is None: pytest.skip(f"{what} not found: put it in ../shared/data/{name} or set BONEAGE_SHARED_DATA")
    return p


@pytest.fixture
def rsna100():
    "The 11,111 real 100-px RSNA training radiographs, or a skip saying where they were looked for."
    return _shared_or_skip('rsna-bone-age-100px', 'real RSNA 100-px data')


@pytest.fixture
def rsna_fullres():
    "The 20 full-resolution official RSNA test images with ground truth, or a skip."
    return _shared_or_skip('rsna-test-fullres-sample', 'full-resolution RSNA sample')


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    "`BONEAGE_CACHE` under the test's folder, for this process and the scripts it starts: the preprocessed caches of a test's throwaway phantom set go with it, not into the user's `~/.cache/boneage` (18 dead entries a run before)."
    monkeypatch.setenv('BONEAGE_CACHE', str(tmp_path/'cache'))
    return tmp_path/'cache'
