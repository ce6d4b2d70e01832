"""A plain install from a wheel built of this checkout, what `pip install git+...` gives a user who only predicts: the wheel
must carry the shipped model files, predict outside the checkout as the checkout does, and say in one line that the study
needs a checkout."""
import hashlib, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np
from PIL import Image
from boneage_core.synthetic import render_phantom

ROOT = Path(__file__).resolve().parent.parent
CLI = 'import sys; from boneage_core.study import main; sys.exit(main(sys.argv[1:]))'


def _sha(p): return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def _py(*a, **kw): return subprocess.run([sys.executable, *map(str, a)], capture_output=True, text=True, **kw)


def test_wheel_install_predicts(tmp_path):
    src = tmp_path/'src'   # what the build reads, copied: setuptools writes its build/ folder beside the sources
    shutil.copytree(ROOT/'boneage_core', src/'boneage_core', ignore=shutil.ignore_patterns('__pycache__'))
    for f in ('pyproject.toml', 'README.md', 'LICENSE'): shutil.copy(ROOT/f, src/f)
    # the venv's own setuptools (torch requires it), so building needs no network
    r = _py('-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', tmp_path/'whl', src)
    assert r.returncode == 0, r.stderr
    whl, = (tmp_path/'whl').glob('boneage-*.whl')
    site = tmp_path/'site'
    r = _py('-m', 'pip', 'install', '--no-deps', '-q', '--target', site, whl)
    assert r.returncode == 0, r.stderr
    shipped = sorted(p.relative_to(ROOT) for p in (ROOT/'boneage_core'/'models').iterdir())
    assert {str(p) for p in shipped} >= {'boneage_core/models/default.safetensors', 'boneage_core/models/default.md'}
    for p in shipped: assert _sha(site/p) == _sha(ROOT/p), f'{p}: not the checkout file in the wheel'

    img = tmp_path/'hand.png'
    Image.fromarray(render_phantom(120, True, 256, np.random.default_rng(7))[0]).save(img)
    run = tmp_path/'elsewhere'; run.mkdir()   # outside the checkout: nothing found by walking up from here
    env = {**os.environ, 'PYTHONPATH': str(site)}
    cli = lambda *a, **kw: _py('-c', CLI, *a, **kw)
    where = _py('-c', 'import boneage_core; print(boneage_core.__file__)', cwd=run, env=env).stdout.strip()
    assert Path(where).is_relative_to(site), where            # the wheel's package, not the editable checkout

    wheel = cli('predict', img, '--male', '--no-tta', cwd=run, env=env)
    here = cli('predict', img, '--male', '--no-tta', cwd=ROOT)
    assert wheel.returncode == 0 and here.returncode == 0, wheel.stderr + here.stderr
    assert 'bone age' in wheel.stdout and wheel.stdout == here.stdout

    env.pop('BONEAGE_NBS', None)
    r = cli('study', '--quick', '--only', 'explore', '--out', run/'res', cwd=run, env=env)
    assert r.returncode == 1 and 'set BONEAGE_NBS to the nbs/ folder of a boneage checkout' in r.stderr
    assert r.stderr.startswith('boneage: ') and len(r.stderr.strip().splitlines()) == 1
    assert not (run/'res').exists() and 'running' not in r.stdout   # refused before it writes or starts anything
