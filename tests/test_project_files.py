"The project's licence and citation files agree with its package metadata (a release bumps one version, not two)."
from importlib.metadata import metadata
from pathlib import Path
import yaml
import boneage_core

ROOT = Path(__file__).resolve().parent.parent


def test_citation_and_licence_match_the_package():
    cff, meta = yaml.safe_load((ROOT/'CITATION.cff').read_text()), metadata('boneage')
    assert cff['version'] == boneage_core.__version__ == meta['Version']
    assert cff['license'] == meta['License-Expression'] == 'Apache-2.0'
    assert f"Repository, {cff['repository-code']}" in meta.get_all('Project-URL')
    assert 'LICENSE' in (meta.get_all('License-File') or []), 'the installed package does not carry LICENSE'
    text = (ROOT/'LICENSE').read_text()
    assert text.lstrip().startswith('Apache License') and 'Version 2.0, January 2004' in text and 'END OF TERMS AND CONDITIONS' in text
