"""Does training with the framing or the processing varied (`boneage train --frame-jitter`, `--process-views`) make a model
depend less on them, and what does it cost on the 100-px splits? (STUDY.md: Does the framing move the reading?, Does the
image processing move the reading?)

    python scripts/robustness_check.py results-real/train/seed-2/model.safetensors \\
        results-real/jit/seed-2-plain results-real/jit/seed-2-jitter [--data ../shared/data/rsna-bone-age-100px] [--checks framing]

Each model (a file, or a `train()` folder) is first written as the shipped model is (fp16, `training_frame_side` 100:
`predict.ship_model`) to `--work`, so that each reads frames and full-size images through the same pipeline. Then, one
view each, no TTA: MAE on the validation and test rows of the split (`split.csv` beside the first model or in its
parent); the framing check of `18_framing` and the processing check of `18a_processing` (its processings, and stronger
ones than a processed training view has: `STRONGER`) on `--n-framing` test images (the sample `23_evaluate` draws); and the
full-size official test images of `--fullres`, if present (labels.csv + images/). Paired differences: each model against
the first, and each after the second against the second. Writes `--work`/robustness_check.csv, each model's readings of
each check's images (`MODEL-CHECK.csv`) and, with the processing check, `by_own_noise.csv`: the mean absolute change and
the MAE under each processing for the images whose frame was smooth (`io.frame_noise` under `--smooth`) and the rest."""
import argparse
from pathlib import Path
import numpy as np, pandas as pd
from boneage_core.data import read_kaggle, get_split, shared_data
from boneage_core.evaluate import paired_comparison
from boneage_core.framing import framing_predictions, framing_table
from boneage_core.processing import PROCESSINGS, JITTER_PROCESSINGS, processing_predictions, processing_table
from boneage_core.io import frame_noise
from boneage_core.predict import ship_model, predict_files
from boneage_core.patient import predict_views
from boneage_core.study import model_file, run_split

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('models', nargs='+'); ap.add_argument('--data', default=None); ap.add_argument('--split', default=None)
ap.add_argument('--fullres', default=None); ap.add_argument('--n-framing', type=int, default=800); ap.add_argument('--seed', type=int, default=42)
ap.add_argument('--checks', nargs='+', choices=('framing', 'processing'), default=['framing', 'processing'])
ap.add_argument('--work', default='results-real/jit/check'); ap.add_argument('--side', type=int, default=100)
ap.add_argument('--smooth', type=float, default=0.005, help="the processing check's images by their frame's own noise (io.frame_noise): "
                'under this SD (share of the grey range; default 0.005: smooth to the grey level) and the rest')
a = ap.parse_args()
STRONGER = {'noise 4%': ('noise', 0.04), 'JPEG quality 50': ('jpeg', 50), 'edge-enhanced x2': ('unsharp', 2.0), 'gamma 2': ('gamma', 2.0)}   # beyond processing.JITTER_PROCESSINGS
assert not any(lo <= v <= hi for how, v in STRONGER.values() for lo, hi in [JITTER_PROCESSINGS[how]])
checks = {'framing': (lambda t, f, g: framing_predictions(t, f, progress=False, given=g), framing_table),
          'processing': (lambda t, f, g: processing_predictions(t, f, {**PROCESSINGS, **STRONGER}, progress=False, given=g), processing_table)}
files = [model_file(m) for m in a.models]
split = Path(a.split) if a.split else run_split(files[0])
data = Path(a.data) if a.data else shared_data()
if data is None or split is None: raise SystemExit('no data or split: give --data (the 100-px Kaggle-layout set) and --split')
df = get_split(read_kaggle(data), split); parts = {s: df[df.split == s] for s in ('valid', 'test')}
full = Path(a.fullres or shared_data('rsna-test-fullres-sample') or '/nonexistent')
lab = pd.read_csv(full/'labels.csv') if (full/'labels.csv').exists() else None   # the full-size images' labels, if there
work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
names = [f.parent.name if f.name == 'model.safetensors' else f.stem for f in files]
shipped = [ship_model(f, work/f'{n}.safetensors', training_frame_side=a.side) for f, n in zip(files, names)]

rows, pred = [], {}
t = parts['test'].sample(min(a.n_framing, len(parts['test'])), random_state=a.seed).sort_index()
for n, f in zip(names, shipped):
    pred[n] = {s: predict_views(f, d, tta=False)[:, 0] for s, d in parts.items()}
    r = {'model': n, **{f'{s} MAE': np.abs(pred[n][s] - d.boneage.values).mean() for s, d in parts.items()}}
    given = None   # the images as given, predicted by the first check only
    for i, ch in enumerate(a.checks):
        predict, table = checks[ch]
        p = predict(t, f, given); given = p['as given']
        p.assign(id=t.id.values).to_csv(work/f'{n}-{ch}.csv')   # each image's readings, for breakdowns beyond the table's
        if ch == 'processing': pred[n]['processing'] = p
        ft = table(t, p, n_boot=1000, seed=a.seed).set_index(ch)   # the image as given is the same in each check: its row once
        r.update({f'{k}: {c}': ft.loc[k, c] for k in ft.index if k != 'as given' or i == 0
                  for c in (['MAE'] if k == 'as given' else ['shift', 'ci_lo', 'ci_hi', 'mean_abs_shift', 'MAE'])})
    if lab is not None:
        p = predict_files([full/'images'/f'{i}.png' for i in lab.id], lab.male.astype(bool).tolist(), f)
        r.update({'full-size MAE': np.abs(p - lab.boneage.values).mean(), 'full-size bias': (p - lab.boneage.values).mean()})
        pred[n]['full-size'] = p
    rows.append(r); print(pd.Series(r).to_string(), flush=True)
what = ' and '.join(a.checks)
print(f'\n{len(t)} test images for the {what} checks; one view each, no TTA\n')
tab = pd.DataFrame(rows).set_index('model').T
print(tab.round(2).to_string())
tab.to_csv(work/'robustness_check.csv')
if 'processing' in a.checks:   # how far each processing moves the readings of smooth frames and of frames with their own noise
    from boneage_core.io import read_radiograph
    from boneage_core.predict import to_training_frame, get_model
    meta = get_model(shipped[0])[1]
    own = np.array([frame_noise(to_training_frame(read_radiograph(q)[0], meta)) for q in t.path])
    groups = {f'own noise < {a.smooth:g}': own < a.smooth, f'own noise >= {a.smooth:g}': own >= a.smooth}
    by = [{'model': n, 'processing': k, 'group': g, 'n': int(m.sum()), 'mean_abs_shift': np.abs(p[k] - p['as given'])[m].mean(),
           'MAE': np.abs(p[k] - t.boneage)[m].mean()} for n in names for p in [pred[n]['processing']] for k in p.columns for g, m in groups.items()]
    by = pd.DataFrame(by); by.to_csv(work/'by_own_noise.csv', index=False)
    print(f"\nby the frame's own noise (io.frame_noise; {', '.join(f'{g}: {m.sum()}' for g, m in groups.items())} images): mean absolute change / MAE\n")
    print(by.assign(v=by.mean_abs_shift.map('{:.1f}'.format) + ' / ' + by.MAE.map('{:.2f}'.format))
            .pivot_table(index='processing', columns=['group', 'model'], values='v', aggfunc='first', sort=False).to_string())
truth = {s: d.boneage.values for s, d in parts.items()}
if lab is not None: truth['full-size'] = lab.boneage.values
pairs = [(n, names[0]) for n in names[1:]] + [(n, names[1]) for n in names[2:]]   # each against the first, and the rest against the second
for n, b in pairs:
    for s, y in truth.items():
        c = paired_comparison(y, pred[n][s], pred[b][s])
        print(f"{n} - {b} on {s}: {c['diff']:+.3f} [{c['ci_lo']:+.3f}, {c['ci_hi']:+.3f}] months, Wilcoxon p {c['wilcoxon_p']:.2g}")
