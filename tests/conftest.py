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
