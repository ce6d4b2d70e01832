"""Prediction speed on a folder of full-resolution PNGs (the 20 official RSNA test images at 1600x2080 when present, else
phantoms enlarged to that size): the model's load time (once per process), images/s end to end with `predict_table`, and the share spent decoding, preprocessing
(training-frame resize + hand crop + contrast + resize), in the network and in the polarity, rotation and laterality checks (each its own
preprocessing and small CNN, on the model's training frame). Prints figures; asserts nothing.

    python benchmarks/predict_speed.py [--model FILE] [--no-tta]
"""
import argparse, atexit, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
from boneage_core.data import shared_data
from boneage_core.io import read_radiograph
from boneage_core.predict import get_model, prepare, to_training_frame
from boneage_core.model import predict_months
from boneage_core.patient import items_from, predict_table
from boneage_core.laterality import mirror_check
from boneage_core.polarity import negative_check
from boneage_core.rotation import rotation_check


def folder():
    full = shared_data('rsna-test-fullres-sample')
    if full is not None: return full/'images', 'official RSNA test images'
    from boneage_core.synthetic import phantom_data
    src, d = phantom_data(n=20, size=256, seed=0), Path(tempfile.mkdtemp(prefix='boneage-bench-'))
    atexit.register(shutil.rmtree, d, True)   # the enlarged copies go at exit
    for p in sorted((src/'boneage-training-dataset').glob('*.png'))[:20]:
        Image.open(p).resize((1600, 2080), Image.BILINEAR).save(d/p.name)
    return d, 'phantoms enlarged to 1600x2080'


def startup():
    "Seconds a fresh Python process takes for `boneage --help` (no model code imported) and to import `boneage predict`'s modules (torch and timm; no fastai)."
    def secs(code):
        t = time.perf_counter(); subprocess.run([sys.executable, '-c', code], check=True, capture_output=True); return time.perf_counter() - t
    return secs("from boneage_core.study import main\ntry: main(['--help'])\nexcept SystemExit: pass"), secs('import boneage_core.patient')


def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--model'); ap.add_argument('--no-tta', action='store_true'); a = ap.parse_args()
    d, what = folder(); tta = not a.no_tta
    t = time.perf_counter(); m, meta = get_model(a.model); t_load = time.perf_counter() - t   # once per process: read, build, fold for inference
    paths = sorted(str(p) for p in Path(d).glob('*.png'))
    print(f"{len(paths)} {what}; model {meta['arch']}{' x' + str(len(meta['members'])) + ' (ensemble)' if meta.get('members') else ''} at {meta['preproc'].size} px, TTA {'on (4 views)' if tta else 'off'}, "
          f"{torch.get_num_threads()} threads")
    print(f"  model load {t_load:.1f} s once (read the file, build the nets, fold them: `get_model`)")
    t = time.perf_counter(); imgs = [read_radiograph(p)[0] for p in paths]; t_dec = time.perf_counter() - t
    t = time.perf_counter(); X = np.stack([prepare(i, meta) for i in imgs]); t_pre = time.perf_counter() - t
    predict_months(m, X[:2], [True, True], meta['norm'], tta=tta)  # warm-up
    t = time.perf_counter(); predict_months(m, X, np.ones(len(X), bool), meta['norm'], tta=tta); t_net = time.perf_counter() - t
    frames = [to_training_frame(i, meta) for i in imgs]   # as predict_table does: the checks read the model's frame
    negative_check(frames[0]); t = time.perf_counter(); [negative_check(f) for f in frames]; t_pol = time.perf_counter() - t
    rotation_check(frames[0]); t = time.perf_counter(); [rotation_check(f) for f in frames]; t_rot = time.perf_counter() - t
    mirror_check(frames[0]); t = time.perf_counter(); [mirror_check(f) for f in frames]; t_lat = time.perf_counter() - t
    tot = t_dec + t_pre + t_net + t_pol + t_rot + t_lat
    for name, s in (('decode', t_dec), ('preprocess', t_pre), ('network', t_net), ('polarity', t_pol), ('rotation', t_rot), ('laterality', t_lat)):
        print(f"  {name:<10} {s / len(paths) * 1000:7.1f} ms/img  {100 * s / tot:5.1f}%")
    t = time.perf_counter(); r = predict_table(items_from(d, male=True), a.model, tta=tta, progress=False); t_all = time.perf_counter() - t
    t_help, t_imp = startup()
    print(f"start-up of a fresh process: `boneage --help` {t_help:.1f} s, importing `boneage predict`'s modules {t_imp:.1f} s (before the model load)")
    print(f"end to end (predict_table, {int((r.error == '').sum())} predicted): {len(paths) / t_all:.1f} img/s ({t_all / len(paths) * 1000:.0f} ms/img)")


if __name__ == '__main__': main()
