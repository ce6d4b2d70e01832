"""Ship trained runs as the package's default model: one run as it is, several as their ensemble (their average); calibrate the
uncertainty on the validation split, check it and the error on the test split, and write `boneage_core/models/default.safetensors`
(fp16) with that record in its metadata (`boneage card` shows it: MAE/RMSE/R²/bias with CIs, by sex and age band), each figure measured
with the fp16 weights it ships.

    python scripts/ship_default_model.py RUN_DIR [RUN_DIR ...] [--data ../shared/data/rsna-bone-age-100px]

Each RUN_DIR is a `train()` output folder (model.safetensors); the split is read from `--split`, else split.csv beside the first
run or in its parent study folder, else made the same seeded way the study makes it."""
import argparse, atexit, hashlib, json, shutil, tempfile
from pathlib import Path
import numpy as np
from boneage_core.data import read_kaggle, get_split, shared_data
from boneage_core.model import combine_models, ID_DIGITS
from boneage_core.evaluate import performance_record
from boneage_core.predict import ship_model
from boneage_core.patient import evaluate_uncertainty, predict_views
from boneage_core.study import run_split
from boneage_core.uncertainty import fit_uncertainty

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('runs', nargs='+'); ap.add_argument('--data', default=None); ap.add_argument('--split', default=None)
ap.add_argument('--dst', default='boneage_core/models/default.safetensors')
a = ap.parse_args()
runs = [Path(r) for r in a.runs]; data = Path(a.data) if a.data else shared_data()
split = Path(a.split) if a.split else run_split(runs[0]/'model.safetensors') or runs[0]/'split.csv'
df = get_split(read_kaggle(data), split)          # the split the runs were trained with
va, te = df[df.split == 'valid'], df[df.split == 'test']
tmp = Path(tempfile.mkdtemp(prefix='boneage-ship-')); atexit.register(shutil.rmtree, tmp, True)
src = runs[0]/'model.safetensors'
if len(runs) > 1:
    src = combine_models([r/'model.safetensors' for r in runs], tmp/'ensemble.safetensors')   # the members' average
    print(f'ensemble of {len(runs)} runs: {[r.name for r in runs]}')
src = ship_model(src, tmp/'fp16.safetensors')   # the weights as the file holds them (fp16): the figures below are the shipped file's own
vv = predict_views(src, va)
valid = dict(valid_mae=float(np.abs(vv[:, 0] - va.boneage.values).mean()), valid_mae_tta=float(np.abs(vv.mean(1) - va.boneage.values).mean()))
cal = fit_uncertainty(va.boneage.values, vv)   # what patient.calibrate does, without predicting twice
tv = predict_views(src, te)
ev = evaluate_uncertainty(src, te, cal, views=tv)
perf = lambda d, views: performance_record(d.assign(pred=views[:, 0]), seed=42)   # plain predictions; the study's seed, as 23_evaluate's tables
performance = dict(valid=perf(va, vv), test=perf(te, tv))
print('validation:', json.dumps(valid)); print('calibration (valid):', json.dumps(cal)); print('test split (TTA):', json.dumps(ev))
ship_model(src, a.dst, uncertainty=cal, training_frame_side=100, test_split=ev, performance=performance, **valid,
           train_range=(float(df[df.split == 'train'].boneage.min()), float(df[df.split == 'train'].boneage.max())))
sha = hashlib.sha256(Path(a.dst).read_bytes()).hexdigest()
print('shipped', a.dst, 'sha256', sha)
print(f"model id {sha[:ID_DIGITS]}: as the shipped file, give it its row in STUDY.md's Every version shipped (scripts/model_history.py, once committed), "
      "the README's id and the card (boneage card --out boneage_core/models/default.md)")
