import pytest
from boneage_core.data import shared_data


@pytest.fixture
def rsna100():
    "The 11,111 real 100-px RSNA training radiographs, or a skip saying where they were looked for."
    p = shared_data('rsna-bone-age-100px')
    if p is None:
        pytest.skip("real RSNA 100-px data not found: put it in ../shared/data/rsna-bone-age-100px or set BONEAGE_SHARED_DATA")
    return p


@pytest.fixture
def rsna_fullres():
    "The 20 full-resolution official RSNA test images with ground truth, or a skip."
    p = shared_data('rsna-test-fullres-sample')
    if p is None:
        pytest.skip("full-resolution RSNA sample not found: put it in ../shared/data/rsna-test-fullres-sample or set BONEAGE_SHARED_DATA")
    return p
