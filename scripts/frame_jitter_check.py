"""Does training with the framing varied (`boneage train --frame-jitter`) make a model depend less on the framing and the
resizing, and what does it cost on the 100-px splits? (STUDY.md: Does the framing move the reading?)

    python scripts/frame_jitter_check.py results-real/train/seed-2/model.safetensors \\
        results-real/jit/seed-2-plain results-real/jit/seed-2-jitter [--data ../shared/data/rsna-bone-age-100px]

Each model (a file, or a `train()` folder) is first written as the shipped model is (fp16, `training_frame_side` 100:
`predict.ship_model`) to `--work`, so that each reads frames and full-size images through the same pipeline. Then, one
view each, no TTA: MAE on the validation and test rows of the split (`split.csv` beside the first model or in its
parent); the framing check of `18_framing` on `--n-framing` test images (the sample `23_evaluate` draws); and the
full-size official test images of `--fullres`, if present (labels.csv + images/). Paired differences: each model against
the first, and each after the second against the second."""
import argparse
from pathlib import Path
import numpy as np, pandas as pd
from boneage_core.data import read_kaggle, get_split, shared_data
from boneage_core.evaluate import paired_comparison
from boneage_core.framing import framing_predictions, framing_table
from boneage_core.predict import ship_model, predict_files
from boneage_core.patient import predict_views
from boneage_core.study import model_file, run_split

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('models', nargs='+'); ap.add_argument('--data', default=None); ap.add_argument('--split', default=None)
ap.add_argument('--fullres', default=None); ap.add_argument('--n-framing', type=int, default=800); ap.add_argument('--seed', type=int, default=42)
ap.add_argument('--work', default='results-real/jit/check'); ap.add_argument('--side', type=int, default=100)
a = ap.parse_args()
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
    ft = framing_table(t, framing_predictions(t, f, progress=False), n_boot=1000, seed=a.seed).set_index('framing')
    r = {'model': n, **{f'{s} MAE': np.abs(pred[n][s] - d.boneage.values).mean() for s, d in parts.items()}}
    r.update({f'{k}: {c}': ft.loc[k, c] for k in ft.index for c in (['MAE'] if k == 'as given' else ['shift', 'ci_lo', 'ci_hi', 'mean_abs_shift', 'MAE'])})
    if lab is not None:
        p = predict_files([full/'images'/f'{i}.png' for i in lab.id], lab.male.astype(bool).tolist(), f)
        r.update({'full-size MAE': np.abs(p - lab.boneage.values).mean(), 'full-size bias': (p - lab.boneage.values).mean()})
        pred[n]['full-size'] = p
    rows.append(r); print(pd.Series(r).to_string(), flush=True)
print(f'\n{len(t)} test images for the framing check; one view each, no TTA\n')
tab = pd.DataFrame(rows).set_index('model').T
print(tab.round(2).to_string())
tab.to_csv(work/'frame_jitter_check.csv')
truth = {s: d.boneage.values for s, d in parts.items()}
if lab is not None: truth['full-size'] = lab.boneage.values
pairs = [(n, names[0]) for n in names[1:]] + [(n, names[1]) for n in names[2:]]   # each against the first, and the rest against the second
for n, b in pairs:
    for s, y in truth.items():
        c = paired_comparison(y, pred[n][s], pred[b][s])
        print(f"{n} - {b} on {s}: {c['diff']:+.3f} [{c['ci_lo']:+.3f}, {c['ci_hi']:+.3f}] months, Wilcoxon p {c['wilcoxon_p']:.2g}")
