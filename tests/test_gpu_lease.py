"""`scripts/gpu_lease.py` end to end on phantoms (real fastai training on the CPU): pack a bundle, train members from it under a
time budget, bring them back as run folders and join them to the run whose normalisation they took."""
import json, pytest, shutil, subprocess, sys, zipfile
from pathlib import Path
import numpy as np, pandas as pd
from PIL import Image
from boneage_core.study import main
from boneage_core.synthetic import phantom_data
from boneage_core.model import load_model
from boneage_core.data import read_kaggle, apply_split

pytestmark = pytest.mark.usefixtures('own_cache')   # their phantom sets' caches go with the test

ROOT = Path(__file__).resolve().parent.parent
lease = lambda *a: subprocess.run([sys.executable, 'scripts/gpu_lease.py', *map(str, a)], cwd=ROOT, capture_output=True, text=True)


def test_pack_train_unpack(tmp_path, capsys):
    data = phantom_data(n=60, size=64, seed=0, root=tmp_path/'ph', progress=False)
    a = tmp_path/'a'
    assert main(['train', '--data', str(data), '--out', str(a), '--arch', 'resnet10t', '--size', '40', '--seed', '0', '--epochs', '1', '--lr', '1e-3', '--bs', '16']) == 0
    b = tmp_path/'bundle'
    r = lease('pack', '--data', data, '--split', a/'split.csv', '--norm-from', a/'model.safetensors', '--out', b, '--workers', 2)
    assert r.returncode == 0, r.stderr[-2000:]
    df = apply_split(read_kaggle(data), a/'split.csv'); tv = df[df.split != 'test']
    with zipfile.ZipFile(b/'data.zip') as z:   # the train and valid images only, each one given back pixel for pixel
        names = sorted(n for n in z.namelist() if not n.endswith('.csv'))
        assert [n.rsplit('.', 1)[0] for n in names] == sorted(tv.id.astype(str))
        n, p = names[0], tv.set_index(tv.id.astype(str)).path[names[0].rsplit('.', 1)[0]]
        z.extract(n, tmp_path)
        with Image.open(tmp_path/n) as got, Image.open(p) as want: assert np.array_equal(np.asarray(got.convert(want.mode)), np.asarray(want))
    t0 = (b/'data.zip').stat().st_mtime_ns   # packed again for another run: --reuse-data keeps the images when they are the same
    repack = lambda split, out: lease('pack', '--data', data, '--split', split, '--norm-from', a/'model.safetensors', '--out', out, '--reuse-data')
    r = repack(a/'split.csv', b)
    assert r.returncode == 0 and 'kept' in r.stdout and (b/'data.zip').stat().st_mtime_ns == t0, r.stderr[-2000:]
    sp = tmp_path/'split2.csv'; s2 = pd.read_csv(a/'split.csv', dtype={'id': str})
    s2.loc[s2.index[s2.split == 'train'][0], 'split'] = 'test'; s2.to_csv(sp, index=False)   # one image fewer: packed anew
    r = repack(sp, tmp_path/'b2')
    assert r.returncode == 0 and 'kept' not in r.stdout, r.stderr[-2000:]
    shutil.copy(tmp_path/'b2'/'data.zip', b/'data.zip')
    r = repack(a/'split.csv', b)
    assert r.returncode == 0 and 'kept' not in r.stdout, r.stderr[-2000:]
    out = tmp_path/'out'   # the members train with the distribution loss, reframed and processed views: all reach them, and they join an L1 run's ensemble
    r = lease('train', '--bundle', b, '--arch', 'resnet10t', '--size', '48', '--epochs', '2', '--bs', '16', '--loss', 'dist', '--seeds', '3', '4',
              '--frame-jitter', '0.1', '--frame-views', '1', '--process-views', '1', '--process-kinds', 'noise=0.005:0.04:3', 'jpeg=40:95',
              '--budget', '600', '--hard', '900', '--work', tmp_path/'work', '--out', out, '--workers', 2)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'seed 3: validation MAE' in r.stdout and 'seed 4: validation MAE' in r.stdout and 'unfinished' not in r.stdout
    assert '█' not in r.stdout                                            # the members' progress bars go to ensemble.log, which comes back
    parts = sorted(out.glob('members.tar.*')); assert parts and all(p.stat().st_size <= 15 << 20 for p in parts)
    back = tmp_path/'back'
    r = lease('unpack', *parts, '--out', back); assert r.returncode == 0, r.stderr[-2000:]
    assert 'training seeds [3, 4], 2 at a time' in (back/'ensemble.log').read_text()
    for s in (3, 4):
        m, meta = load_model(back/f'seed-{s}'/'model.safetensors')
        assert meta['norm'] == load_model(a/'model.safetensors')[1]['norm'] and meta['preproc'].size == 48   # normalised as the run it joins
        c = json.loads((back/f'seed-{s}'/'config.json').read_text())
        assert (c['seed'], c['frame_jitter'], c['frame_views'], c['process_views'], m.bins) == (s, 0.1, 1, 1, 141)
        assert c['process_kinds'] == {'noise': [0.005, 0.04, 3.0], 'jpeg': [40.0, 95.0]}   # the processing families passed through
    r = subprocess.run([sys.executable, 'scripts/ship_default_model.py', str(a), str(back/'seed-3'), str(back/'seed-4'), '--data', str(data),
                        '--dst', str(tmp_path/'joined.safetensors')], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert [n.bins for n in load_model(tmp_path/'joined.safetensors')[0].members] == [0, 141, 141]
    # the hard limit: a run far too long for it is stopped, and its best epoch so far comes back marked unfinished
    r = lease('train', '--bundle', b, '--arch', 'resnet10t', '--size', '48', '--epochs', '400', '--bs', '16', '--seeds', '5',
              '--budget', '1000', '--hard', '25', '--work', tmp_path/'work2', '--out', tmp_path/'out2', '--workers', 2)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'hard limit' in r.stdout and 'seed 5: validation MAE' in r.stdout and 'unfinished' in r.stdout
