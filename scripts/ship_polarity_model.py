"""Train the polarity model (`boneage_core.polarity`) on the training split of the real 100-px RSNA set, measure it on the
validation and test splits, and write it with its figures (default: the file shipped in the package).

    python scripts/ship_polarity_model.py [--data ../shared/data/rsna-bone-age-100px] [--dst boneage_core/models/polarity.safetensors]

The split is the study's (seed 42), checked against the shipped bone-age model's stored target normalisation. The figures,
per split: how often a negative scores above the image itself (pair accuracy); how many images as given `predict` would flag
(as given above NEGATIVE) or invert (`inverts`: as given above INVERT, or another quarter turn above INVERT_TURNED); how many of
their negatives it would flag, and invert when turned by 0, 90, 180 and 270 degrees (and would have inverted from the score as given
alone, the rule before the four turns); and the shipped bone-age model's
MAE (one view, as in the study's tables) on the images as given, before and after the check (an image it inverts is predicted
as its negative), and on every image as a negative, before and after the check (one it inverts gets the positive's prediction)."""
import json, time
from pathlib import Path
import numpy as np
from fastprogress.fastprogress import progress_bar
from _shipped import check_parser, shipped_split   # scripts/_shipped.py
from boneage_core.laterality import pair_accuracy
from boneage_core.polarity import NEGATIVE, INVERT, inverts, POLARITY_PREPROC, train_polarity, negative_probability, save_polarity, default_polarity_path
from boneage_core.preprocess import cached_images, RSNA100
from boneage_core.predict import prepare
from boneage_core.model import predict_months

ap = check_parser(__doc__, 'polarity', default_polarity_path(), epochs=4)
a = ap.parse_args()
model, meta, df, data = shipped_split(a.data, a.out)
X = np.asarray(cached_images(df, POLARITY_PREPROC))
t0 = time.time(); net = train_polarity(X[(df.split == 'train').values], epochs=a.epochs, seed=a.seed)
minutes = (time.time() - t0) / 60
turns = lambda X: np.stack([negative_probability(net, np.rot90(X, k, axes=(1, 2)).copy()) for k in range(4)], 1)   # (N, 4), as negative_check
P, PN = turns(X), turns(255 - X)                    # each image's / its negative's four quarter turns
df['p_negative'], df['p_negative_inverted'] = P[:, 0], PN[:, 0]
df['inverts'], df['inverts_negative'] = inverts(P), inverts(PN)
turned = lambda t: np.roll(PN, -t, 1)             # the negative turned by t quarters: its own four turns' scores
splits = {}
for s in ['train', 'valid', 'test']:
    k = (df.split == s).values
    p, pn = df.p_negative[k], df.p_negative_inverted[k]
    splits[s] = dict(n=int(k.sum()), pair_accuracy=round(pair_accuracy(net, X[k], lambda X: 255 - X), 4),
                     flagged=int((p > NEGATIVE).sum()), inverted=int(df.inverts[k].sum()), max_p=round(float(P[k].max()), 3),
                     negatives_flagged=int((pn > NEGATIVE).sum()),
                     negatives_inverted={str(90 * t): int(inverts(turned(t)[k]).sum()) for t in range(4)},
                     negatives_inverted_as_given_only={str(90 * t): int((turned(t)[k][:, 0] > INVERT).sum()) for t in range(4)})
ev = df[df.split.isin(['valid', 'test'])].reset_index(drop=True)
F = np.asarray(cached_images(ev, RSNA100, progress=False))                 # the 100-px frames as they come
B = np.stack([prepare(f, meta) for f in progress_bar(F)]); N = np.stack([prepare(255 - f, meta) for f in progress_bar(F)])
ev['pred'] = predict_months(model, B, ev.male.values, meta['norm'])
ev['pred_negative'] = predict_months(model, N, ev.male.values, meta['norm'])   # every image as a negative, predicted as it is
ev['pred_checked'] = ev.pred_negative.where(ev.inverts, ev.pred)                       # an image inverted by the check: its negative's prediction
ev['pred_negative_checked'] = ev.pred.where(ev.inverts_negative, ev.pred_negative)   # a negative inverted by the check: the positive's
err = lambda d, c='pred': float((d[c] - d.boneage).abs().mean())
for s, d in ev.groupby('split'):
    splits[s].update(mae=round(err(d), 3), mae_checked=round(err(d, 'pred_checked'), 3), mae_negative=round(err(d, 'pred_negative'), 2), mae_negative_checked=round(err(d, 'pred_negative_checked'), 3))
info = dict(data=Path(data).name, n_train=splits['train']['n'], epochs=a.epochs, seed=a.seed, train_minutes=round(minutes, 1),
            training_frame_side=meta['info'].get('training_frame_side'), splits=splits)   # full-size images are squashed to the data's frames first
save_polarity(net, a.dst, POLARITY_PREPROC, info)
Path(a.out).mkdir(parents=True, exist_ok=True)
df[['id', 'split', 'boneage', 'male', 'p_negative', 'p_negative_inverted', 'inverts', 'inverts_negative']].merge(
    ev[['id', 'pred', 'pred_negative']], on='id', how='left').to_csv(Path(a.out)/'polarity.csv', index=False)
print(json.dumps(info, indent=1)); print(f"wrote {a.dst}")
