"""Do resampled copies of the 100-px frame help as test-time views? Paired figures on the validation and test splits.

    python scripts/frame_tta_check.py [MODEL] --data ../shared/data/rsna-bone-age-100px --split results-real/train/split.csv \\
        --views 6 --work results-real/frame-tta

The shipped members were continued with reframed views (`jitter_frame`), so a frame moved by a random fraction of a pixel
(resampled once, bilinear: `jitter_frame(share=0)`) is an input they know. Each such view goes through the model's whole
preprocessing (`cached_views`, as training's views do) and is predicted once, without the model's own TTA. Compared on the
same images: the model's TTA (the frame as given, its four views) against the same four views plus the `--views` resampled
frames, all views weighted equally (the rule fixed before the run); the other weightings are printed for the record. The
per-view predictions are kept in `--work` (a run can be stopped and started again)."""
import argparse
from functools import partial
from pathlib import Path
import numpy as np
from boneage_core.augment import cached_views, jitter_frame
from boneage_core.data import read_kaggle, get_split, shared_data
from boneage_core.evaluate import paired_comparison
from boneage_core.model import predict_months
from boneage_core.patient import predict_views
from boneage_core.predict import default_model_path, get_model

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('model', nargs='?', default=None, help="a model file (default: the shipped one)")
ap.add_argument('--data', default=None); ap.add_argument('--split', required=True)
ap.add_argument('--views', type=int, default=6); ap.add_argument('--seed', type=int, default=1000)
ap.add_argument('--work', required=True)
a = ap.parse_args()
model = Path(a.model or default_model_path()); work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
data = Path(a.data) if a.data else shared_data()
if data is None: raise SystemExit('no data: give --data (the Kaggle-layout folder of the real 100-px RSNA set)')
df = get_split(read_kaggle(data), a.split)
m, meta = get_model(model)

def cached(name, make):
    f = work/f'{name}.npy'
    if f.exists(): return np.load(f)
    v = make(); np.save(f, v); return v

out = {}
for s in ('valid', 'test'):
    d = df[df.split == s].reset_index(drop=True); y = d.boneage.values
    given = cached(f'{s}-given', lambda: predict_views(model, d, progress=True))            # (N, 4): the model's TTA
    X = cached_views(d, partial(jitter_frame, share=0.0), 'jitter-0', meta['preproc'], a.views, a.seed, progress=True)
    shifted = np.stack([cached(f'{s}-shift-{a.seed}-{k}', lambda: predict_months(m, X[k], d.male.values, meta['norm']))
                        for k in range(a.views)], 1)                                          # (N, K)
    mae = lambda p: float(np.abs(p - y).mean())
    print(f'\n{s} ({len(d)} images, {a.views} resampled views)')
    print(f'  as given: {mae(given[:, 0]):.3f}; TTA (4 views): {mae(given.mean(1)):.3f}; '
          f'each resampled view: {", ".join(f"{mae(shifted[:, k]):.2f}" for k in range(a.views))}; their mean {mae(shifted.mean(1)):.3f}')
    print(f'  |resampled - as given|: {np.abs(shifted - given[:, :1]).mean():.2f} months on average')
    both = np.concatenate([given, shifted], 1)
    rows = {'all views equal (the rule)': both.mean(1), 'TTA mean and resampled mean, half each': (given.mean(1) + shifted.mean(1)) / 2,
            'as given + resampled, equal (no TTA)': np.concatenate([given[:, :1], shifted], 1).mean(1)}
    for name, p in rows.items():
        c = paired_comparison(y, p, given.mean(1))
        print(f'  {name}: {c["mae_1"]:.3f} vs TTA {c["mae_2"]:.3f}: {c["diff"]:+.3f} [{c["ci_lo"]:+.3f}, {c["ci_hi"]:+.3f}], Wilcoxon p {c["wilcoxon_p"]:.2g}')
