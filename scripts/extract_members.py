"""Turn an ensemble file (the shipped default model, say) back into run folders: one model file per member and the split they were
trained on, so that a member can be continued (`boneage train --init OUT/seed-S/model.safetensors`, which keeps that split) or the
members re-combined with new ones (`scripts/ship_default_model.py`) on a machine where the original run folders are gone.

    python scripts/extract_members.py [MODEL] [--out results-real/train] [--data ../shared/data/rsna-bone-age-100px] [--seed 42]

The split is made the study's seeded way (`--seed`, the study's default 42) and checked against the members' stored target
normalisation (the training split's mean and SD of bone age): a different split is refused, not used."""
import argparse, sys
from pathlib import Path
from boneage_core.data import shared_data
from boneage_core.explore import study_dataset
from boneage_core.model import extract_members, model_meta
from boneage_core.predict import default_model_path

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('model', nargs='?'); ap.add_argument('--out', default='results-real/train')
ap.add_argument('--data', default=None); ap.add_argument('--seed', type=int, default=42)
a = ap.parse_args()
model, out = Path(a.model or default_model_path()), Path(a.out)
norm = model_meta(model)['norm']
data = a.data or shared_data()
if data is None: sys.exit('no data: give --data (the Kaggle-layout folder the model was trained on)')
made = not (out/'split.csv').exists()
df = study_dataset(data, out=out, seed=a.seed)
tr = df[df.split == 'train'].boneage
if not norm.fits(tr):
    if made: (out/'split.csv').unlink()
    sys.exit(f"{df.attrs['split_csv']}: its training split (bone age mean {tr.mean():.4f}, sd {tr.std():.4f}) is not the one {model} "
             f"was trained on (mean {norm.age_mean:.4f}, sd {norm.age_std:.4f}); try another --seed or --data, or remove that split.csv" if not made else
             f"the split made with --seed {a.seed} (from {data}) is not the one {model} was trained on; try another --seed or --data")
for p in extract_members(model, out):
    info = model_meta(p)['info']
    print(p, f"validation MAE {info['valid_mae']:.3f}" if info.get('valid_mae') else '')
print(f"split: {df.attrs['split_csv']} ({', '.join(f'{k} {v}' for k, v in df.split.value_counts().items())})")
