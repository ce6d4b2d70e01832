"""The project's licence and citation files agree with its package metadata (a release bumps one version, not two);
the documents' links lead somewhere."""
import re
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


def _anchor(heading):
    "GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens."
    return re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-')


def _anchors(md: Path):
    return {_anchor(h) for h in re.findall(r'^#+ (.+)$', md.read_text(), flags=re.M)}


def test_document_links_resolve():
    "Every relative link of README.md and STUDY.md names a file of the repository, and its #anchor a heading there."
    assert _anchor('How much is a sharper radiograph worth?') == 'how-much-is-a-sharper-radiograph-worth'
    assert _anchor('Four architectures, with and without sex') == 'four-architectures-with-and-without-sex'
    bad, n = [], 0
    for doc in ('README.md', 'STUDY.md'):
        for target in re.findall(r'\]\(([^)\s]+)\)', (ROOT/doc).read_text()):
            if re.match(r'[a-z]+:', target): continue                      # http(s):, mailto:
            n += 1
            path, _, anchor = target.partition('#')
            dst = ROOT/path if path else ROOT/doc
            if not dst.exists(): bad.append(f'{doc}: {target} (no such file)')
            elif anchor and anchor not in _anchors(dst): bad.append(f'{doc}: {target} (no such heading)')
    assert n >= 10, f'only {n} relative links found: the pattern is wrong'
    assert not bad, 'broken links:\n' + '\n'.join(bad)
