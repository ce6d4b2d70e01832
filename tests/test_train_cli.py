"""`boneage train` end to end on phantoms (real fastai training, one epoch): a run, a run started from it at a larger size, the two
shipped as one mixed-size ensemble with `scripts/ship_default_model.py` (and its model card) and taken apart again with `scripts/extract_members.py`,
clear errors; a run trained with the framing and the processing varied (`--frame-jitter`, `--process-views`), `scripts/robustness_check.py` and `scripts/frame_tta_check.py` on it."""
import json, pytest, re, subprocess, sys
from pathlib import Path
import numpy as np
from boneage_core.study import main
from boneage_core.synthetic import phantom_data
from boneage_core.model import load_model
from boneage_core.data import read_kaggle, make_split, apply_split
from boneage_core.preprocess import cached_images
from boneage_core.model import predict_months

pytestmark = pytest.mark.usefixtures('own_cache')   # their phantom sets' caches go with the test


def test_train_then_init_at_larger_size(tmp_path, capsys, own_cache):
    data = phantom_data(n=60, size=64, seed=0, root=tmp_path/'ph', progress=False)
    a, b = tmp_path/'a', tmp_path/'b'
    common = ['--data', str(data), '--epochs', '1', '--lr', '1e-3', '--bs', '16']
    assert main(['train', '--out', str(a), '--arch', 'resnet10t', '--size', '40', '--seed', '0', *common]) == 0
    assert 'validation MAE' in capsys.readouterr().out
    assert list(own_cache.glob('*/complete.json'))   # the run's preprocessed cache is the test's own
    m_a, meta_a = load_model(a/'model.safetensors')
    # another training seed, whose own new split would differ; the run keeps the first run's split
    assert not make_split(read_kaggle(data), seed=1).equals(make_split(read_kaggle(data), seed=0))
    assert main(['train', '--out', str(b), '--init', str(a/'model.safetensors'), '--size', '56', '--seed', '1', *common, '--lr', '3e-3', '--channels-last']) == 0
    assert f"split {b/'split.csv'}" in capsys.readouterr().out
    assert (b/'split.csv').read_bytes() == (a/'split.csv').read_bytes()   # validated on the first run's validation images
    cfg = json.loads((b/'config.json').read_text())
    assert (cfg['arch'], cfg['preproc']['size'], cfg['init']) == ('resnet10t', 56, str(a/'model.safetensors'))
    assert cfg['channels_last'] is True and json.loads((a/'config.json').read_text())['channels_last'] is None   # NHWC asked for; a's default: on a GPU only
    assert {k: v for k, v in cfg['preproc'].items() if k != 'size'} == {k: v for k, v in meta_a['info']['config']['preproc'].items() if k != 'size'}
    m_b, meta_b = load_model(b/'model.safetensors')
    assert meta_b['norm'] == meta_a['norm']                      # the targets keep the first run's normalisation
    assert meta_b['preproc'].size == 56
    # both runs as one ensemble, the way the shipped model is made: the file reads 40 px, the 56-px member upsamples it
    dst = tmp_path/'shipped.safetensors'
    r = subprocess.run([sys.executable, 'scripts/ship_default_model.py', str(a), str(b), '--data', str(data), '--dst', str(dst)],
                       cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'ensemble of 2 runs' in r.stdout and 'test split (TTA)' in r.stdout
    m_e, meta_e = load_model(dst)
    assert meta_e['preproc'].size == 40 and [mm.get('input_size') for mm in meta_e['members']] == [None, 56]
    assert meta_e['info']['uncertainty'] and 'valid_mae' in meta_e['info']
    d = apply_split(read_kaggle(data), a/'split.csv'); d = d[d.split == 'valid'].reset_index(drop=True)
    m_a, m_b = m_a.half().float(), m_b.half().float()                 # the weights as the fp16 file holds them
    p_a = predict_months(m_a.eval(), cached_images(d, meta_a['preproc'], progress=False), d.male.values, meta_a['norm'])
    m_b.input_size = 56                                                # b as a member: it resizes the 40-px input to its 56 px
    p_b = predict_months(m_b.eval(), cached_images(d, meta_a['preproc'], progress=False), d.male.values, meta_b['norm'])
    assert np.abs(p_a - p_b).mean() > 0.1                               # two different nets (b: a larger lr, so one epoch moves it), so the check below means something
    p_e = predict_months(m_e.float().eval(), cached_images(d, meta_e['preproc'], progress=False), d.male.values, meta_e['norm'])
    np.testing.assert_allclose(p_e, (p_a + p_b) / 2, atol=0.01)      # the average of the two
    assert abs(meta_e['info']['valid_mae'] - np.abs(p_e - d.boneage.values).mean()) < 1e-3   # measured with the weights the file holds (fp16)
    from boneage_core.patient import predict_views
    assert abs(meta_e['info']['valid_mae'] - np.abs(predict_views(dst, d)[:, 0] - d.boneage.values).mean()) < 1e-9   # the shipped file's own figure, not its fp32 source's
    # its record of the split's figures (plain predictions), and the model card written from it
    perf = meta_e['info']['performance']
    t = apply_split(read_kaggle(data), a/'split.csv'); t = t[t.split == 'test'].reset_index(drop=True)
    p_t = predict_months(m_e.float().eval(), cached_images(t, meta_e['preproc'], progress=False), t.male.values, meta_e['norm'])
    assert abs(perf['test']['metrics']['MAE'][0] - np.abs(p_t - t.boneage.values).mean()) < 1e-3
    assert (perf['valid']['n'], perf['test']['n']) == (len(d), len(t))
    assert main(['card', '--model', str(dst)]) == 0
    card = capsys.readouterr().out
    assert 'ensemble of 2 × `resnet10t`' in card and '(members at 40 px, 56 px)' in card
    assert f"| test | {len(t)} | {perf['test']['metrics']['MAE'][0]:.2f} [" in card
    # and back into run folders (what a later session does when the run folders are gone): members and the split
    x = tmp_path/'x'; root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, 'scripts/extract_members.py', str(dst), '--out', str(x), '--data', str(data), '--seed', '0'],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (x/'split.csv').read_bytes() == (a/'split.csv').read_bytes()
    assert sorted(q.name for q in x.iterdir()) == ['seed-0', 'seed-1-56px', 'split.csv']
    m_x, meta_x = load_model(x/'seed-1-56px'/'model.safetensors')
    assert meta_x['preproc'].size == 56 and meta_x['norm'] == meta_b['norm']
    d56 = cached_images(d, meta_x['preproc'], progress=False)
    np.testing.assert_allclose(predict_months(m_x, d56, d.male.values, meta_x['norm']),
                               predict_months(m_b.eval(), d56, d.male.values, meta_b['norm']), atol=1e-4)
    r = subprocess.run([sys.executable, 'scripts/extract_members.py', str(dst), '--out', str(tmp_path/'y'), '--data', str(data), '--seed', '1'],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode != 0 and 'is not the one' in r.stderr and not (tmp_path/'y'/'split.csv').exists()
    (tmp_path/'other.csv').write_text((a/'split.csv').read_text().replace('valid', 'test'))
    assert main(['train', '--out', str(b), '--init', str(a/'model.safetensors'), '--split', str(tmp_path/'other.csv'), '--seed', '0', *common]) == 1
    assert 'already has another split' in capsys.readouterr().err
    assert main(['train', '--out', str(tmp_path/'c'), '--init', str(a/'model.safetensors'), '--arch', 'resnet18', '--seed', '0', *common]) == 1
    err = capsys.readouterr().err
    assert err.startswith('boneage: ') and 'but the run asks for resnet18' in err
    (tmp_path/'junk.safetensors').write_bytes(b'not a model')
    assert main(['train', '--out', str(tmp_path/'d'), '--init', str(tmp_path/'junk.safetensors'), '--seed', '0', *common]) == 1
    assert 'not a safetensors model file' in capsys.readouterr().err


def test_train_seeds_at_once_normalised_as_another_model(tmp_path, capsys):
    "`boneage train --seeds ... --jobs 2 --norm-from MODEL`: members trained side by side, normalised as MODEL, so they join its ensemble."
    data = phantom_data(n=60, size=64, seed=0, root=tmp_path/'ph', progress=False)
    a, e = tmp_path/'a', tmp_path/'e'
    common = ['--data', str(data), '--epochs', '2', '--lr', '1e-3', '--bs', '16', '--arch', 'resnet10t']
    assert main(['train', '--out', str(a), '--size', '40', '--seed', '0', *common]) == 0
    meta_a = load_model(a/'model.safetensors')[1]
    capsys.readouterr()
    assert main(['train', '--out', str(e), '--size', '48', '--seeds', '3', '4', '--jobs', '2', '--patience', '1', '--norm-from', str(a/'model.safetensors'),
                 '--split', str(a/'split.csv'), *common]) == 0
    out = capsys.readouterr().out
    assert 'validation MAE' in out and 'ensemble of 2; members ' in out and '2 at a time' in out
    for s in (3, 4):
        cfg = json.loads((e/f'seed-{s}'/'config.json').read_text())
        assert (cfg['seed'], cfg['patience'], cfg['norm_from'], cfg['preproc']['size']) == (s, 1, str(a/'model.safetensors'), 48)
        assert (e/f'seed-{s}'/'train.log').exists() and load_model(e/f'seed-{s}'/'model.safetensors')[1]['norm'] == meta_a['norm']
    m_e, meta_e = load_model(e/'model.safetensors')
    assert len(m_e.members) == 2 and meta_e['norm'] == meta_a['norm']
    r = subprocess.run([sys.executable, 'scripts/ship_default_model.py', str(a), str(e/'seed-3'), str(e/'seed-4'), '--data', str(data),
                        '--dst', str(tmp_path/'abc.safetensors')], cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]                       # the 40-px run and the two 48-px members: one ensemble
    assert len(load_model(tmp_path/'abc.safetensors')[0].members) == 3


def test_resumed_run_counts_its_epochs(tmp_path, capsys):
    "A stopped run asked again (here: for more epochs) resumes at its next epoch, and its progress bar says that epoch, not the 6th."
    data = phantom_data(n=40, size=48, seed=0, root=tmp_path/'ph', progress=False)
    run = ['train', '--data', str(data), '--out', str(tmp_path/'r'), '--arch', 'resnet10t', '--size', '32', '--lr', '1e-3', '--bs', '16', '--seed', '0', '--patience', '20']
    assert main(run + ['--epochs', '7']) == 0
    capsys.readouterr()
    assert main(run + ['--epochs', '9']) == 0
    out = capsys.readouterr().out
    assert f"resuming {tmp_path/'r'} at epoch 7" in out
    assert 'Epoch 8/9' in out and 'Epoch 9/9' in out and 'Epoch 6/9' not in out, out[-1500:]
    assert json.loads((tmp_path/'r'/'result.json').read_text())['epochs_run'] == 9


def test_time_limit_stops_the_last_members(tmp_path, capsys):
    "`--time-limit`: members whose measured epoch times say they cannot finish in time are stopped, last seeds first; the first finishes, and the ensemble is the finished ones."
    data = phantom_data(n=60, size=64, seed=0, root=tmp_path/'ph', progress=False)
    e = tmp_path/'e'
    assert main(['train', '--data', str(data), '--out', str(e), '--arch', 'resnet10t', '--size', '40', '--epochs', '25', '--lr', '1e-3', '--bs', '16',
                 '--seeds', '1', '2', '--jobs', '2', '--patience', '25', '--time-limit', '1']) == 0
    out = capsys.readouterr().out
    assert 'seeds [2] dropped' in out and 'ensemble of 1; members' in out
    assert (e/'seed-1'/'result.json').exists() and not (e/'seed-2'/'result.json').exists()
    assert 2 <= json.loads((e/'seed-2'/'checkpoints'/'state.json').read_text())['epoch'] + 1 < 25   # measured, then stopped part-way (resumable)
    m, meta = load_model(e/'model.safetensors')
    assert len(m.members) == 1 and meta['info']['dropped'] == [2] and meta['info']['seeds'] == [1]


def test_jittered_run_and_its_check(tmp_path, capsys):
    "`boneage train --frame-jitter --process-views` trains on reframed and processed views too; `scripts/robustness_check.py` compares it with the run it started from."
    import pandas as pd
    data = phantom_data(n=60, size=64, seed=0, root=tmp_path/'ph', progress=False)
    a, b = tmp_path/'a', tmp_path/'b'
    common = ['--data', str(data), '--epochs', '1', '--lr', '1e-3', '--bs', '16', '--seed', '0']
    assert main(['train', '--out', str(a), '--arch', 'resnet10t', '--size', '40', *common]) == 0
    assert main(['train', '--out', str(b), '--init', str(a/'model.safetensors'), '--frame-jitter', '0.1', '--frame-views', '2', '--process-views', '1', *common]) == 0
    cfg = json.loads((b/'config.json').read_text())
    assert (cfg['frame_jitter'], cfg['frame_views'], cfg['process_views'], cfg['init']) == (0.1, 2, 1, str(a/'model.safetensors'))
    capsys.readouterr()
    r = subprocess.run([sys.executable, 'scripts/robustness_check.py', str(a), str(b), '--data', str(data), '--work', str(tmp_path/'check'),
                        '--side', '64', '--n-framing', '1000', '--fullres', str(tmp_path/'none')],
                       cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    tab = pd.read_csv(tmp_path/'check'/'robustness_check.csv', index_col=0)
    assert list(tab.columns) == ['a', 'b'] and 'bottom cut 10%: shift' in tab.index and 'full-size MAE' not in tab.index
    assert {'noise 2%: shift', 'noise 4%: MAE', 'JPEG quality 50: mean_abs_shift'} <= set(tab.index) and list(tab.index).count('as given: MAE') == 1
    assert np.allclose(tab.loc['as given: MAE'], tab.loc['test MAE'], atol=1e-3)   # the framing check takes the whole (small) test split, as given
    assert 'b - a on valid: ' in r.stdout and 'b - a on test: ' in r.stdout
    # resampled frames as more test-time views (`scripts/frame_tta_check.py`), on the same split; per-view predictions kept in --work
    ftta = [sys.executable, 'scripts/frame_tta_check.py', str(b/'model.safetensors'), '--data', str(data), '--split', str(a/'split.csv'),
            '--views', '2', '--process', 'gamma=0.8', '--work', str(tmp_path/'ftta')]
    r = subprocess.run(ftta, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.count('all views equal (the rule): ') == 4 and '2 resampled views, 1 re-toned views' in r.stdout and 'gamma 0.8 ' in r.stdout
    given = float(re.search(r'test \(\d+ images.*\n  as given: ([\d.]+);', r.stdout).group(1))
    assert abs(given - tab.loc['test MAE', 'b']) < 1e-3                 # the frame as given: the model's own plain prediction
    assert len(list((tmp_path/'ftta').glob('*.npy'))) == 2 * (1 + 2 + 1)
    again = subprocess.run(ftta, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    result = lambda out: [l for l in out.splitlines() if 'months' in l or 'MAE' in l or 'views' in l]   # not the progress bars
    assert again.returncode == 0 and result(again.stdout) == result(r.stdout) and '█' not in again.stdout   # read back from --work and the cache
    other = subprocess.run([*ftta[:2], str(a/'model.safetensors'), *ftta[3:]], cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    assert other.returncode != 0 and 'keeps the views of another model file or split' in other.stderr   # not b's kept views read as a's
    bad = subprocess.run(ftta[:-2] + ['--process', 'gamma=99', '--work', str(tmp_path/'bad')], cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    assert bad.returncode != 0 and bad.stderr.strip() == '--process gamma=99: gamma amount 99.0 outside [0.05, 20] (HOW=AMOUNT, e.g. gamma=0.8)'
