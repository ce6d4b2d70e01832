"""Are the model's stated probabilities honest beyond its 95% interval? Checked on a held-out split of real labelled images.

    python scripts/probability_check.py [MODEL] --data ../shared/data/rsna-bone-age-100px [--split SPLIT.csv] [--part test] --work results-real/prob-check

`predict` states each reading as a normal around the prediction with the calibrated SD (`12_uncertainty`), scaled on the
validation split so that its 95% intervals hold 95% of the true ages. The probabilities that `compare_to_age` gives from it,
that the bone age lies below −2 SD or above +2 SD of the Greulich–Pyle table (`p_delayed`, `p_advanced`), use the same normal
at other distances from the reading. This prints, for the images of one split: the coverage of central intervals at several
levels; the shares of the probability integral transform Φ((y − pred) / SD) in tenths (10% each when the normal fits); and,
for lines at fixed distances from each reading (−30 to +30 months), the mean stated probability that the true age lies below
the line against the share that does. The per-view predictions are kept in `--work` (one model file and split per folder)."""
import argparse, hashlib
from pathlib import Path
from statistics import NormalDist
import numpy as np, pandas as pd
from boneage_core.data import read_kaggle, get_split, make_split, shared_data
from boneage_core.patient import predict_views
from boneage_core.predict import default_model_path, get_model
from boneage_core.uncertainty import uncertainty_months, coverage

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('model', nargs='?', default=None, help="a model file (default: the shipped one)")
ap.add_argument('--data', default=None, help="Kaggle-layout folder (default: ../shared/data/rsna-bone-age-100px)")
ap.add_argument('--split', default=None, help="split CSV (default: the study's split, `make_split` with its defaults)")
ap.add_argument('--part', default='test', choices=['valid', 'test'])
ap.add_argument('--work', required=True, help="folder that keeps the per-view predictions")
a = ap.parse_args()
model = Path(a.model or default_model_path()); data = a.data or shared_data()
if data is None: raise SystemExit("no data: give --data (a Kaggle-layout folder) or put the 100-px set in ../shared/data")
df = read_kaggle(data)
df = get_split(df, a.split) if a.split else make_split(df)
d = df[df.split == a.part].reset_index(drop=True)
work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
key = hashlib.sha256(model.read_bytes()).hexdigest()[:12] + '-' + hashlib.sha256(','.join(d.id.astype(str)).encode()).hexdigest()[:12]
f = work/f'views-{a.part}-{key}.npy'
if f.exists(): views = np.load(f)
else: views = predict_views(model, d, progress=True); np.save(f, views)
meta = get_model(model)[1]; cal = meta['info']['uncertainty']
y, pred = d.boneage.values.astype(float), views.mean(1); sd = uncertainty_months(views, cal)
print(f"{model.name} ({key[:12]}) on the {a.part} split: {len(d)} images, MAE {np.abs(pred - y).mean():.2f} months (TTA), mean SD {sd.mean():.1f} months")
print("central intervals, nominal -> observed coverage:", ', '.join(f"{l:.0%} -> {coverage(y, pred, sd, l):.1%}" for l in (0.5, 0.8, 0.9, 0.95, 0.99)))
u = np.array([NormalDist().cdf(z) for z in (y - pred) / sd])
print("PIT Φ((y − pred)/SD) in tenths (10% each if the normal fits):", ' '.join(f"{s:.1%}" for s in np.histogram(u, np.linspace(0, 1, 11))[0] / len(u)))
rows = []
for delta in (-30, -20, -10, 0, 10, 20, 30):
    t = pred + delta
    stated = np.array([NormalDist().cdf(z) for z in delta / sd])
    rows.append(dict(line=f"reading {delta:+d} months", stated=stated.mean(), observed=float(np.mean(y < t))))
print("P(true bone age below a line at a fixed distance from the reading), mean stated vs observed:")
print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
