"""Does adding members help an ensemble? Paired figures on the validation and test splits, each member predicted once.

    python scripts/compare_ensembles.py --base results-real/train/seed-* --add results-real/train-lite0/seed-* \\
        [--data ../shared/data/rsna-bone-age-100px] [--split results-real/train/split.csv]

Each RUN is a `train()` folder (or a model file) whose members share the split and target normalisation. Each member's
per-view predictions (TTA) on the validation and test rows are kept beside its model file (`views-<split>.npz`, keyed by the
model file's size and time and the split's ids), so a later member joins without predicting the others again; a run without a
model file yet (still training) is listed and left out. Prints each member's MAE (plain / TTA), the correlation of its
errors with the (other) base members' average, and base vs base + added members: MAE on both splits and their paired difference (bootstrap
95% CI, Wilcoxon p). The averages are those of `combine_models` (equal members, in months)."""
import argparse, hashlib
from pathlib import Path
import numpy as np
from boneage_core.data import read_kaggle, get_split, shared_data
from boneage_core.evaluate import paired_comparison
from boneage_core.patient import predict_views
from boneage_core.study import model_file, run_split

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--base', nargs='+', required=True); ap.add_argument('--add', nargs='+', required=True)
ap.add_argument('--data', default=None); ap.add_argument('--split', default=None, help="default: split.csv beside the first base run or in its parent")
a = ap.parse_args()
first = model_file(a.base[0]).parent
split = Path(a.split) if a.split else run_split(model_file(a.base[0]))
if split is None: raise SystemExit(f'no split.csv beside {first} or in its parent: give --split')
data = Path(a.data) if a.data else shared_data()
if data is None: raise SystemExit('no data: give --data (the Kaggle-layout folder of the real 100-px RSNA set)')
df = get_split(read_kaggle(data), split)
parts = {s: df[df.split == s] for s in ('valid', 'test')}

def views(f: Path, s: str) -> np.ndarray:
    "(N, V) predictions of model file `f` on split `s`, cached beside it."
    d = parts[s]; st = f.stat()
    key = hashlib.sha256(f"{st.st_size} {st.st_mtime_ns} {','.join(map(str, d.id))}".encode()).hexdigest()[:16]
    c = f.parent/f'views-{s}.npz'
    if c.exists():
        z = np.load(c)
        if str(z['key']) == key: return z['views']
    v = predict_views(f, d, progress=True); np.savez(c, views=v, key=key)
    return v

def members(runs, role):
    out = []
    for r in runs:
        f = model_file(r)
        if f.exists(): out.append(f)
        else: print(f'{role} {r}: no model file yet, left out')
    return out

base, add = members(a.base, 'base'), members(a.add, 'add')
if not base or not add: raise SystemExit('need at least one finished run in --base and in --add')
V = {s: {f: views(f, s) for f in base + add} for s in parts}
for s, d in parts.items():
    y = d.boneage.values; ens = lambda fs, tta: np.mean([V[s][f].mean(1) if tta else V[s][f][:, 0] for f in fs], 0)
    print(f'\n{s} ({len(d)} images)')
    for f in base + add:
        p = V[s][f]; e = p[:, 0] - y
        others = [g for g in base if g != f] or base   # a base member is compared with the other base members
        print(f'  {f.parent.name:>10} ({"base" if f in base else "add "}): {np.abs(e).mean():.2f} (TTA {np.abs(p.mean(1) - y).mean():.2f}), '
              f'error correlation with the {"other " if f in base and len(base) > 1 else ""}base members\' average {np.corrcoef(e, ens(others, False) - y)[0, 1]:.2f}')
    for tta in (False, True):
        r = paired_comparison(y, ens(base + add, tta), ens(base, tta), seed=0)
        print(f'  {"TTA  " if tta else "plain"} base ({len(base)}) {r["mae_2"]:.2f} -> base + {len(add)} {r["mae_1"]:.2f}: '
              f'{r["diff"]:+.3f} [{r["ci_lo"]:+.3f}, {r["ci_hi"]:+.3f}], Wilcoxon p {r["wilcoxon_p"]:.2g}')
