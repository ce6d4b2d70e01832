"""Does denoising at prediction time give back the readings that noise and JPEG take from a 100-px frame? (STUDY.md: Does the
image processing move the reading?, Which frames noise moves)

    python scripts/denoise_check.py [--model boneage_core/models/default.safetensors] [--data ../shared/data/rsna-bone-age-100px]

The processing check's 800 test images (the sample `23_evaluate` draws), as given and with noise of 2% and 4% or JPEG at
quality 75 (`processing.process`), each read as it is and after one of four denoisers: a Gaussian of SD 0.6 or 0.8 px,
non-local means or total variation, both set by the frame's own noise (`io.frame_noise`, at least one grey level); the
clean images denoised too, for what the denoiser costs where there is nothing to remove. One view each, no TTA. Prints the
`processing_table` (mean change against the image as given with its 95% CI, mean absolute change, MAE, bias) and writes
each image's readings to `--out`."""
import argparse, time
import numpy as np
from scipy import ndimage
from skimage.restoration import denoise_tv_chambolle, denoise_nl_means
from boneage_core.data import read_kaggle, get_split, shared_data
from boneage_core.io import to_float01, to_uint8, frame_noise
from boneage_core.processing import process, processing_table
from boneage_core.framing import framing_predictions
from boneage_core.predict import prepare, default_model_path

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--model', default=None); ap.add_argument('--data', default=None); ap.add_argument('--split', default='results-real/train/split.csv')
ap.add_argument('--n', type=int, default=800); ap.add_argument('--seed', type=int, default=42); ap.add_argument('--out', default='results-real/denoise_check.csv')
a = ap.parse_args()

def denoised(x, kind):
    "Frame `x` (float in [0, 1]) after denoiser `kind`: 'none', 'blurS' (a Gaussian of SD S px), 'nlm' or 'tv'."
    if kind == 'none': return x
    if kind.startswith('blur'): return ndimage.gaussian_filter(x, float(kind[4:]))
    s = max(frame_noise(x), 1 / 255)
    return denoise_nl_means(x, h=0.8 * s, sigma=s, patch_size=3, patch_distance=5, fast_mode=True) if kind == 'nlm' else denoise_tv_chambolle(x, weight=2 * s)

def as_input(img, meta, v):
    if v is None: return prepare(img, meta)
    how, amount, kind = v
    return prepare(to_uint8(np.clip(denoised(to_float01(img if how is None else process(img, how, amount)), kind), 0, 1)), meta)

data = a.data or shared_data()
if data is None: raise SystemExit('no data: give --data (the 100-px Kaggle-layout set)')
df = get_split(read_kaggle(data), a.split)
t = df[df.split == 'test'].sample(min(a.n, (df.split == 'test').sum()), random_state=a.seed).sort_index()
cols = {f'{lab} | {kind}': (how, amount, kind)
        for how, amount, lab in [(None, 0, 'clean'), ('noise', .02, 'noise 2%'), ('noise', .04, 'noise 4%'), ('jpeg', 75, 'JPEG 75')]
        for kind in ['none', 'blur0.6', 'blur0.8', 'nlm', 'tv'] if how is not None or kind != 'none'}
t0 = time.time()
p = framing_predictions(t, a.model or default_model_path(), cols, progress=True, as_input=as_input)
print(f'{len(t)} test images, {len(cols) + 1} readings each, {(time.time() - t0) / 60:.1f} minutes')
p.assign(id=t.id.values).to_csv(a.out)
print(processing_table(t, p, n_boot=300, seed=a.seed).round(2).to_string())
