"""Train the laterality model (`boneage_core.laterality`) on the training split of the real 100-px RSNA set, measure it on the
validation and test splits, and write it with its figures (default: the file shipped in the package).

    python scripts/ship_laterality_model.py [--data ../shared/data/rsna-bone-age-100px] [--dst boneage_core/models/laterality.safetensors]

The split is the study's (seed 42), checked against the shipped bone-age model's stored target normalisation, so the figures
are on the images that model was validated and tested on. The figures: how often a mirrored image scores above the image
itself (pair accuracy), how many images as given look mirrored, and the shipped bone-age model's MAE (one view, as in the
study's tables) on those images, as they are and flipped back, against the rest, and on every image mirrored."""
import json, time
from dataclasses import replace
from pathlib import Path
import numpy as np
from _shipped import check_parser, shipped_split   # scripts/_shipped.py
from boneage_core.laterality import MIRRORED, train_laterality, mirror_probability, pair_accuracy, save_laterality, default_laterality_path
from boneage_core.preprocess import cached_images
from boneage_core.model import predict_months

ap = check_parser(__doc__, 'laterality', default_laterality_path(), epochs=8)
ap.add_argument('--size', type=int, default=64)
a = ap.parse_args()
model, meta, df, data = shipped_split(a.data, a.out)
pp = replace(meta['preproc'], size=a.size)   # the bone-age model's crop and contrast, smaller
X = np.asarray(cached_images(df, pp))
t0 = time.time(); net = train_laterality(X[(df.split == 'train').values], epochs=a.epochs, seed=a.seed)
minutes = (time.time() - t0) / 60
df['p_mirror'] = mirror_probability(net, X)
splits = {}
for s in ['train', 'valid', 'test']:
    k = (df.split == s).values
    splits[s] = dict(n=int(k.sum()), pair_accuracy=round(pair_accuracy(net, X[k]), 4), flagged=int((df.p_mirror[k] > MIRRORED).sum()))
ev = df[df.split.isin(['valid', 'test'])].reset_index(drop=True)
B = np.asarray(cached_images(ev, meta['preproc']))
ev['pred'] = predict_months(model, B, ev.male.values, meta['norm'])
f = (ev.p_mirror > MIRRORED).values
ev['pred_mirrored'] = predict_months(model, B[:, :, ::-1].copy(), ev.male.values, meta['norm'])   # every image mirrored
ev['pred_flipped_back'] = ev.pred.where(~f, ev.pred_mirrored)                                     # only the flagged ones
err = lambda d, c='pred': float((d[c] - d.boneage).abs().mean())
for s, d in ev.groupby('split'):
    m = (d.p_mirror > MIRRORED).values
    splits[s].update(mae_flagged=round(err(d[m]), 2), mae_flagged_flipped_back=round(err(d[m], 'pred_flipped_back'), 2), mae_rest=round(err(d[~m]), 2),
                     mae_all=round(err(d), 3), mae_all_mirrored=round(err(d, 'pred_mirrored'), 2))
info = dict(data=Path(data).name, n_train=splits["train"]["n"], size=a.size, epochs=a.epochs, seed=a.seed, train_minutes=round(minutes, 1),
            training_frame_side=meta['info'].get('training_frame_side'), splits=splits)   # the data's frames, as the shipped model's record says
save_laterality(net, a.dst, pp, info)
Path(a.out).mkdir(parents=True, exist_ok=True)
df[['id', 'split', 'boneage', 'male', 'p_mirror']].merge(ev[['id', 'pred', 'pred_mirrored']], on='id', how='left').to_csv(Path(a.out)/'laterality.csv', index=False)
print(json.dumps(info, indent=1)); print(f"wrote {a.dst}")
