"""Train the rotation model (`boneage_core.rotation`) on the training split of the real 100-px RSNA set, measure it on the
validation and test splits, and write it with its figures (default: the file shipped in the package).

    python scripts/ship_rotation_model.py [--data ../shared/data/rsna-bone-age-100px] [--dst boneage_core/models/rotation.safetensors]

The split is the study's (seed 42), checked against the shipped bone-age model's stored target normalisation. The figures,
per split and for the images as given and turned by 90, 180 and 270 degrees: how many `predict` would flag, how many it would
turn, and how many end as given (the set's images are taken to be upright: the few that are not, turned the right way, count
as wrong); and the shipped bone-age model's MAE (one view, as in the study's tables) before and after the check (an image it
turns is predicted as the image so turned)."""
import json, time
from dataclasses import replace
from pathlib import Path
import numpy as np
from fastprogress.fastprogress import progress_bar
from _shipped import check_parser, shipped_split   # scripts/_shipped.py
from boneage_core.rotation import rotation_flags, train_rotation, turned_probabilities, save_rotation, default_rotation_path
from boneage_core.preprocess import cached_images, RSNA100
from boneage_core.predict import prepare
from boneage_core.model import predict_months

ap = check_parser(__doc__, 'rotation', default_rotation_path(), epochs=4)
ap.add_argument('--size', type=int, default=64)
a = ap.parse_args()
model, meta, df, data = shipped_split(a.data, a.out)
pp = replace(meta['preproc'], size=a.size)   # the bone-age model's crop and contrast, smaller
X = np.asarray(cached_images(df, pp))
t0 = time.time(); net = train_rotation(X[(df.split == 'train').values], epochs=a.epochs, seed=a.seed)
minutes = (time.time() - t0) / 60
ev = (df.split != 'train').values
splits = {s: dict(n=int((df.split == s).sum())) for s in ['train', 'valid', 'test']}
P = {j: turned_probabilities(net, np.rot90(X, j, axes=(1, 2))) for j in range(4)}   # each image turned by j quarters, and that image's four turns
for s in splits:
    k = (df.split == s).values
    splits[s]['max_p_as_given'] = round(float(P[0][k, 0].max()), 3)
E = df[ev].reset_index(drop=True)
F = np.asarray(cached_images(E, RSNA100, progress=False))                # the 100-px frames as they come
pred = np.stack([predict_months(model, np.stack([prepare(np.rot90(f, j).copy(), meta) for f in progress_bar(F)]), E.male.values, meta['norm'])
                 for j in range(4)], 1)                                   # (N, 4): each image turned by j quarters
rows = []
for j in range(4):
    turns = [rotation_flags(p) for p in P[j][ev]]
    kk = np.array([t[0] for t in turns]); flagged = np.array([bool(t[1]) for t in turns])
    after = pred[np.arange(len(E)), (j + kk) % 4]                          # predicted as turned by the check
    for s in ['valid', 'test']:
        m = (E.split == s).values; y = E.boneage.values[m]
        splits[s][f'turned_{90 * j}'] = dict(flagged=int(flagged[m].sum()), turned=int((kk[m] > 0).sum()), back_as_given=int(((j + kk[m]) % 4 == 0).sum()),
                                             mae=round(float(np.abs(pred[m, j] - y).mean()), 3), mae_checked=round(float(np.abs(after[m] - y).mean()), 3))
    rows.append(dict(j=j, kk=kk))
info = dict(data=Path(data).name, n_train=splits['train']['n'], size=a.size, epochs=a.epochs, seed=a.seed, train_minutes=round(minutes, 1),
            training_frame_side=meta['info'].get('training_frame_side'), splits=splits)
save_rotation(net, a.dst, pp, info)
Path(a.out).mkdir(parents=True, exist_ok=True)
E.assign(**{f'p_not_upright_{90 * k}': P[0][ev, k] for k in range(4)}, turn_as_given=rows[0]['kk'], pred=pred[:, 0])[
    ['id', 'split', 'boneage', 'male'] + [f'p_not_upright_{90 * k}' for k in range(4)] + ['turn_as_given', 'pred']].to_csv(Path(a.out)/'rotation.csv', index=False)
print(json.dumps(info, indent=1)); print(f"wrote {a.dst}")
