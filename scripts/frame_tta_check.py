"""Do resampled or re-toned copies of the 100-px frame help as test-time views? Paired figures on the validation and test splits.

    python scripts/frame_tta_check.py [MODEL] --data ../shared/data/rsna-bone-age-100px --split results-real/train/split.csv \\
        --views 6 [--process gamma=0.8 gamma=1.25 linear=0.8] --work results-real/frame-tta

The shipped members were continued with reframed views (`jitter_frame`) and processed views (`jitter_processing`), so a frame
moved by a random fraction of a pixel (resampled once, bilinear: `jitter_frame(share=0)`; `--views` of them) or re-toned
(`process(how, amount)`: each `--process HOW=AMOUNT`) is an input they know. Each such view goes through the model's whole
preprocessing (`cached_views`, as training's views do) and is predicted once, without the model's own TTA. Compared on the
same images: the model's TTA (the frame as given, its four views) against the same four views plus one kind of extra views,
all views weighted equally (the rule fixed before the run); the other weightings are printed for the record. The per-view
predictions are kept in `--work` (a run can be stopped and started again; one model file and split per folder)."""
import argparse, hashlib
from functools import partial
from pathlib import Path
import numpy as np
from boneage_core.augment import cached_views, jitter_frame
from boneage_core.data import read_kaggle, get_split, shared_data
from boneage_core.evaluate import paired_comparison
from boneage_core.model import predict_months
from boneage_core.patient import predict_views
from boneage_core.predict import default_model_path, get_model
from boneage_core.processing import jitter_processing, process

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('model', nargs='?', default=None, help="a model file (default: the shipped one)")
ap.add_argument('--data', default=None); ap.add_argument('--split', required=True)
ap.add_argument('--views', type=int, default=6, help="resampled copies (0: none)"); ap.add_argument('--seed', type=int, default=1000)
ap.add_argument('--process', nargs='*', default=[], metavar='HOW=AMOUNT', help="fixed re-toned views, e.g. gamma=0.8 linear=0.8 (`process`)")
ap.add_argument('--work', required=True)
a = ap.parse_args()
model = Path(a.model or default_model_path()); work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
data = Path(a.data) if a.data else shared_data()
if data is None: raise SystemExit('no data: give --data (the Kaggle-layout folder of the real 100-px RSNA set)')
procs = []
for spec in a.process:   # a bad one: its one line now (a range of one value, below, is that processing, always)
    h, _, v = spec.partition('=')
    try: procs.append((h, float(v))); process(np.zeros((8, 8), np.uint8), h, float(v))
    except ValueError as e: raise SystemExit(f'--process {spec}: {e} (HOW=AMOUNT, e.g. gamma=0.8)')
df = get_split(read_kaggle(data), a.split)
m, meta = get_model(model)
st = model.stat()   # what the kept predictions were made from: another model or split in the same --work is refused
key = hashlib.sha256(f"{st.st_size} {st.st_mtime_ns} {','.join(f'{i}:{s}' for i, s in zip(df.id, df.split))}".encode()).hexdigest()[:16]
kf = work/'key.txt'
if kf.exists() and kf.read_text() != key: raise SystemExit(f'{work} keeps the views of another model file or split: give another --work')
kf.write_text(key)

def cached(name, make):
    f = work/f'{name}.npy'
    if f.exists(): return np.load(f)
    v = make(); np.save(f, v); return v

def one_view(d, X, name):
    return cached(name, lambda: predict_months(m, X, d.male.values, meta['norm']))

for s in ('valid', 'test'):
    d = df[df.split == s].reset_index(drop=True); y = d.boneage.values
    given = cached(f'{s}-given', lambda: predict_views(model, d, progress=True))            # (N, 4): the model's TTA
    extra = {}
    if a.views:
        X = cached_views(d, partial(jitter_frame, share=0.0), 'jitter-0', meta['preproc'], a.views, a.seed, progress=True)
        extra['resampled'] = np.stack([one_view(d, X[k], f'{s}-shift-{a.seed}-{k}') for k in range(a.views)], 1)   # (N, K)
    if procs:
        extra['re-toned'] = np.stack([one_view(d, cached_views(d, partial(jitter_processing, kinds={h: (v, v)}), f'process-{h}-{v:g}', meta['preproc'],
                                                                1, 0, progress=True)[0], f'{s}-{h}-{v:g}') for h, v in procs], 1)
    mae = lambda p: float(np.abs(p - y).mean())
    print(f'\n{s} ({len(d)} images, {a.views} resampled views, {len(procs)} re-toned views)')
    print(f'  as given: {mae(given[:, 0]):.3f}; TTA (4 views): {mae(given.mean(1)):.3f}')
    for kind, v in extra.items():
        names = [f'{h} {x:g}' for h, x in procs] if kind == 're-toned' else [str(k) for k in range(v.shape[1])]
        print(f'  {kind} views: {", ".join(f"{n} {mae(v[:, k]):.2f}" for k, n in enumerate(names))}; their mean {mae(v.mean(1)):.3f}; '
              f'|view - as given|: {np.abs(v - given[:, :1]).mean():.2f} months on average')
        rows = {f'TTA + {kind}, all views equal (the rule)': np.concatenate([given, v], 1).mean(1),
                f'TTA mean and {kind} mean, half each': (given.mean(1) + v.mean(1)) / 2,
                f'as given + {kind}, equal (no TTA)': np.concatenate([given[:, :1], v], 1).mean(1)}
        for name, p in rows.items():
            c = paired_comparison(y, p, given.mean(1))
            print(f'    {name}: {c["mae_1"]:.3f} vs TTA {c["mae_2"]:.3f}: {c["diff"]:+.3f} [{c["ci_lo"]:+.3f}, {c["ci_hi"]:+.3f}], Wilcoxon p {c["wilcoxon_p"]:.2g}')
