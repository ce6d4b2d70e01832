"""The project's licence and citation files agree with its package metadata (a release bumps one version, not two);
the documents' links lead somewhere; constraints.txt fits pyproject.toml; STUDY.md lists every shipped model version."""
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


def test_constraints_pin_each_requirement_within_its_range():
    """constraints.txt pins every requirement of pyproject.toml (with [dev]) at a version its range allows, and, for each pinned
    package installed at its pinned version, that package's own requirements too (so `pip install -c` can resolve)."""
    import tomllib
    from importlib.metadata import distribution, PackageNotFoundError
    from packaging.requirements import Requirement
    from boneage_core.study import read_pins, _norm, _applies
    pins = read_pins(ROOT/'constraints.txt')
    proj = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']
    fits = lambda r: pins.get(_norm(r.name)) is not None and r.specifier.contains(pins[_norm(r.name)], prereleases=True)
    bad = [f'pyproject.toml: {r}, pinned {pins.get(_norm(r.name))}' for r in map(Requirement, proj['dependencies'] +
           proj['optional-dependencies']['dev']) if not fits(r)]
    checked = 0
    for n, v in pins.items():
        try: d = distribution(n)
        except PackageNotFoundError: continue
        if d.version != v: continue                                   # an environment installed from the ranges may differ
        checked += 1
        bad += [f'{n} {v}: {r}, pinned {pins.get(_norm(r.name))}' for r in map(Requirement, d.requires or [])
                if _applies(r) and not fits(r)]
    assert 'torch' in pins and 'nbdev' in pins and len(pins) > 100 and checked > 0
    assert not bad, 'constraints.txt does not fit:\n' + '\n'.join(bad)


def test_lock_env_writes_and_checks_pins(tmp_path):
    "scripts/lock_env.py pins this environment's versions, finds no difference against its own file, and names one it is shown."
    import subprocess, sys
    from importlib.metadata import version
    run = lambda *a: subprocess.run([sys.executable, str(ROOT/'scripts/lock_env.py'), *a], capture_output=True, text=True, timeout=120)
    f = tmp_path/'c.txt'
    r = run('--out', str(f), '--note', 'a test.'); assert r.returncode == 0, r.stderr
    text = f.read_text()
    assert text.startswith('# ') and 'a test.' in text and f"\ntorch=={version('torch')}\n" in text and '\nboneage==' not in text
    r = run('--check', str(f)); assert r.returncode == 0 and 'every package' in r.stdout, r.stdout + r.stderr
    f.write_text(text.replace(f"\ntorch=={version('torch')}\n", '\ntorch==0.0.1\n'))
    r = run('--check', str(f)); assert r.returncode == 1 and f"torch: {version('torch')} installed, 0.0.1 pinned" in r.stdout, r.stdout


def test_documents_name_the_shipped_model_file():
    "STUDY.md's table of shipped versions starts with the file shipped now, by the id prediction tables give (`model_id`), and the README names that id."
    import hashlib
    from boneage_core.model import ID_DIGITS
    sha = hashlib.sha256((ROOT/'boneage_core/models/default.safetensors').read_bytes()).hexdigest()[:ID_DIGITS]
    rows = re.findall(r'^\| `([0-9a-f]{12})` \|', (ROOT/'STUDY.md').read_text(), flags=re.M)
    assert rows and rows[0] == sha, f'STUDY.md, Every version shipped: first row {rows[:1]}, the shipped file is {sha} (scripts/model_history.py)'
    readme = (ROOT/'README.md').read_text()
    assert f'`{sha}` for the file shipped now' in readme and set(re.findall(r'\b[0-9a-f]{12}\b', readme)) == {sha}   # no id of an older file left


def test_model_history_lists_every_shipped_version(tmp_path):
    "scripts/model_history.py, from the git history: every version of the shipped file with its own figures, as STUDY.md lists them; a wrong figure fails the check."
    import subprocess, sys, pytest
    git = subprocess.run(['git', '-C', str(ROOT), 'rev-parse', '--is-shallow-repository'], capture_output=True, text=True)
    if git.stdout.strip() != 'false':
        pytest.skip('not a full git checkout (no history, or a shallow clone): git fetch --unshallow to check the table of shipped versions')
    run = lambda *a: subprocess.run([sys.executable, str(ROOT/'scripts/model_history.py'), *a], capture_output=True, text=True, timeout=300)
    r = run(); assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().split('\n')
    assert len(lines) >= 2 + 8 and lines[-1].startswith('| `87605e29518e` | 2026-11-23 | 9012616 | 1 × `tv_mobilenet_v2` | 112 px | 9.92 |'), lines[-1]   # the first, interim model
    r = run('--check', str(ROOT/'STUDY.md')); assert r.returncode == 0, r.stdout
    study = (ROOT/'STUDY.md').read_text(); row = lines[-1]
    (tmp_path/'S.md').write_text(study.replace(row, row.replace('| 9.92 |', '| 9.91 |')))
    r = run('--check', str(tmp_path/'S.md')); assert r.returncode == 1 and 'does not list the shipped versions' in r.stdout, r.stdout
    (tmp_path/'S.md').write_text(study.replace(row, row.replace('| 9012616 |', '| – |')))   # a commit cell not filled in yet: still the same versions
    r = run('--check', str(tmp_path/'S.md')); assert r.returncode == 0 and 'without the commit' in r.stdout, r.stdout
