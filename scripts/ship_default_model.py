"""Ship a trained run as the package's default model: calibrate its uncertainty on the validation split, check the coverage
on the test split, and write `boneage_core/models/default.safetensors` (fp16) with that record in its metadata.

    python scripts/ship_default_model.py RUN_DIR [--data ../shared/data/rsna-bone-age-100px]

RUN_DIR is a `train()` output folder (model.safetensors, split.csv beside it or in its parent study folder)."""
import argparse, json
from pathlib import Path
from boneage_core.data import read_kaggle, get_split, shared_data
from boneage_core.predict import ship_model
from boneage_core.patient import calibrate, evaluate_uncertainty

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('run'); ap.add_argument('--data', default=None); ap.add_argument('--dst', default='boneage_core/models/default.safetensors')
a = ap.parse_args()
run = Path(a.run); data = Path(a.data) if a.data else shared_data()
df = get_split(read_kaggle(data), run/'split.csv')          # the split the run was trained with (made the same way if absent)
va, te = df[df.split == 'valid'], df[df.split == 'test']
cal = calibrate(run/'model.safetensors', va)
ev = evaluate_uncertainty(run/'model.safetensors', te, cal)
print('calibration (valid):', json.dumps(cal)); print('test split:', json.dumps(ev))
ship_model(run/'model.safetensors', a.dst, uncertainty=cal, training_frame_side=100, test_split=ev,
           train_range=(float(df[df.split == 'train'].boneage.min()), float(df[df.split == 'train'].boneage.max())))
print('shipped', a.dst)
