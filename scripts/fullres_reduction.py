"""How sharp is a full-size radiograph once reduced to the model's training frame, against the training frames themselves,
and does a sharper or smoother reduction change the model's error? (STUDY.md: Full-size inputs.)

    python scripts/fullres_reduction.py [--fullres ../shared/data/rsna-test-fullres-sample] [--frames ../shared/data/rsna-bone-age-100px]

Sharpness is the mean absolute Laplacian over the hand's box divided by the box's intensity SD (scale-free; higher is
sharper), on each frame as the model's pipeline crops it. The training frames' figure is taken over `--n` of them, drawn
from ages the full-size set spans. Each reduction of the full-size images is then predicted by the model (one view, no
TTA), against the labels beside them (`labels.csv`: id, boneage, male; images in `images/`)."""
import argparse, sys
from pathlib import Path
import numpy as np, pandas as pd
from PIL import Image
from scipy import ndimage
from boneage_core.data import read_kaggle, shared_data
from boneage_core.io import read_radiograph, to_float01
from boneage_core.predict import get_model, to_training_frame
from boneage_core.preprocess import preprocess, hand_bbox
from boneage_core.model import predict_months

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--fullres', default=None); ap.add_argument('--frames', default=None)
ap.add_argument('--model', default=None); ap.add_argument('--n', type=int, default=300); ap.add_argument('--seed', type=int, default=0)
a = ap.parse_args()
full, frames = Path(a.fullres or shared_data('rsna-test-fullres-sample') or ''), a.frames or shared_data()
if not (full/'labels.csv').exists() or frames is None: sys.exit('no data: give --fullres (labels.csv + images/) and --frames (the 100-px Kaggle-layout set)')
m, meta = get_model(a.model); cfg = meta['preproc']
side = (meta.get('info') or {}).get('training_frame_side')
if not side: sys.exit(f"{a.model or 'the model'} was not trained on reduced frames (no training_frame_side): nothing to compare")

def sharpness(x):
    y0, y1, x0, x1 = hand_bbox(x, 0.0, film=False); c = x[y0:y1, x0:x1]
    return float(np.abs(ndimage.laplace(c)).mean() / (c.std() + 1e-6))

lab = pd.read_csv(full/'labels.csv')
tr = read_kaggle(frames); tr = tr[tr.boneage.between(lab.boneage.min(), lab.boneage.max())].sample(a.n, random_state=a.seed)
s = np.array([sharpness(to_float01(read_radiograph(p)[0])) for p in tr.path])
print(f"{len(tr)} training frames ({side} px, ages {lab.boneage.min():.0f}-{lab.boneage.max():.0f} months): sharpness median {np.median(s):.3f}, "
      f"middle half {np.percentile(s, 25):.3f}-{np.percentile(s, 75):.3f}")
imgs = [to_float01(read_radiograph(full/'images'/f'{i}.png')[0]) for i in lab.id]
pil = lambda method, gap=None: lambda x: np.asarray(Image.fromarray(x, mode='F').resize((side, side), method, reducing_gap=gap), np.float32)
reductions = {'the pipeline (to_training_frame: bilinear, antialiased)': lambda x: to_training_frame(x, meta), 'box (area average)': pil(Image.BOX),
              'Lanczos': pil(Image.LANCZOS), 'bilinear without antialiasing (scipy zoom, order 1)': lambda x: ndimage.zoom(x, (side / x.shape[0], side / x.shape[1]), order=1),
              'nearest': pil(Image.NEAREST)}
y, rows = lab.boneage.to_numpy(float), []
for k, f in reductions.items():
    fr = [f(x) for x in imgs]
    p = predict_months(m, np.stack([preprocess(x, cfg) for x in fr]), lab.male.to_numpy(bool), meta['norm'])
    rows.append((k, np.median([sharpness(x) for x in fr]), np.abs(p - y).mean(), (p - y).mean()))
print(f"{len(lab)} full-size images reduced to {side} px, then the model (one view):")
print(pd.DataFrame(rows, columns=['reduction', 'sharpness (median)', 'MAE', 'bias']).round(3).to_string(index=False))
