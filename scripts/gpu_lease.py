"""Train ensemble members on a borrowed GPU machine that has no network, little room for input and a hard time limit (a lease
like this workplace's `device` tool, a Kaggle or Colab session), and bring them back as run folders.

    python scripts/gpu_lease.py pack --data ../shared/data/rsna-bone-age-100px --split results-real/train/split.csv \\
        --norm-from boneage_core/models/default.safetensors --arch tf_efficientnet_lite2 [--wheels] --out .dev
    # on the GPU machine, in the repository root, with the bundle beside it (PYTHONPATH=. if boneage is not installed there):
    python scripts/gpu_lease.py train --bundle .dev --arch tf_efficientnet_lite2 --size 224 --epochs 35 --seeds 2 5 6 7 \\
        --budget 480 --hard 530 --out $OUT
    # back here:
    python scripts/gpu_lease.py unpack OUT/members.tar.* --out results-real/train-lite2

`pack` writes one folder (`--reuse-data` keeps a `data.zip` already there that holds the same labels and image ids; its pixels are not compared): the labels and images of the split's train and valid rows in one zip (8-bit grey PNGs as lossless
WebP, checked pixel for pixel, about 10% smaller: the 9,445 100-px images are 42 MB), the split, the normalisation of
`--norm-from` as a weightless model file (its header), the ImageNet weights of `--arch` from its offline package in fp16 (half
the size; the members start from them), and with `--wheels` the pure-Python packages a GPU image with PyTorch and timm lacks
(fastai and its own; `pip install --no-index --no-deps --target DIR BUNDLE/whl/*.whl`).
`train` unpacks it and runs `boneage train --seeds ... --jobs len(seeds) --time-limit budget` (the shipped members' recipe by
default: one-cycle, lr 1e-3, batch 64, patience = epochs) in a child process; at `--hard` seconds it stops whatever still runs and
writes each unfinished member from its best epoch so far (marked `finished: false`), then packs the members (fp16 model
files, results, histories, logs) into `members.tar.N` parts of at most 15 MiB. `unpack` joins the parts into run folders
for `scripts/compare_ensembles.py` and `scripts/ship_default_model.py`."""
import argparse, io, json, os, signal, subprocess, sys, tarfile, time, zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np, pandas as pd
from PIL import Image

PART = 15 << 20
WHEELS = ['fastai==2.8.12', 'fastcore==2.2.41', 'fastdownload==0.0.8', 'fastprogress==1.0.3', 'fasttransform==0.0.5',
          'plum-dispatch==2.9.0', 'beartype==0.23.1']   # what a PyTorch + timm image lacks (fastai's imports), for CPython 3.12;
# fastprogress 1.0.3, not 1.1: from 1.1 it imports python-fasthtml (a web framework and eight packages more), which such an image lacks


def _webp(path):
    "(name, bytes): an 8-bit grey PNG as lossless WebP when that gives back every pixel, else the file as it is."
    path = Path(path)
    with Image.open(path) as im:   # closed on every path: an image that is not 8-bit grey is never loaded, so PIL would leave it open
        if im.mode == 'L':
            b = io.BytesIO(); im.save(b, 'WEBP', lossless=True, quality=100, method=6)
            if np.array_equal(np.asarray(Image.open(io.BytesIO(b.getvalue())).convert('L')), np.asarray(im)): return path.stem + '.webp', b.getvalue()
    return path.name, path.read_bytes()


def _same_data(zpath, lab) -> bool:
    "Whether the bundle's `data.zip` holds these labels and an image for each of their ids, and nothing else (its pixels are not read again)."
    from boneage_core.data import KAGGLE_CSV
    if not zpath.exists(): return False
    with zipfile.ZipFile(zpath) as z:
        names = z.namelist()
        return KAGGLE_CSV in names and z.read(KAGGLE_CSV).decode() == lab.to_csv(index=False) \
            and sorted(n.rsplit('.', 1)[0] for n in names if n != KAGGLE_CSV) == sorted(lab.id.astype(str))


def pack(a):
    from boneage_core.data import read_kaggle, apply_split, KAGGLE_CSV
    from boneage_core.model import OFFLINE_WEIGHTS
    from safetensors import safe_open
    from safetensors.torch import save_file
    import torch
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    df = apply_split(read_kaggle(a.data), a.split); df = df[df.split.isin(['train', 'valid'])]
    lab = pd.read_csv(Path(a.data)/KAGGLE_CSV, dtype={'id': str}); lab = lab[lab.id.isin(set(df.id))]
    split = pd.read_csv(a.split, dtype={'id': str}); split[split.id.isin(set(df.id))].to_csv(out/'split.csv', index=False)
    if a.reuse_data and _same_data(out/'data.zip', lab): print(f"{out/'data.zip'}: kept (the same labels and image names)")
    else:
        with ProcessPoolExecutor(a.workers) as ex, zipfile.ZipFile(out/'data.zip', 'w', zipfile.ZIP_STORED) as z:
            z.writestr(KAGGLE_CSV, lab.to_csv(index=False))
            for name, b in ex.map(_webp, df.path, chunksize=64): z.writestr(name, b)
    with safe_open(a.norm_from, 'pt') as f: meta = f.metadata()
    save_file({'none': torch.zeros(1)}, str(out/'norm.safetensors'), metadata=meta)   # read by its header alone (`--norm-from`)
    if a.arch:
        f = OFFLINE_WEIGHTS.get(a.arch, lambda: None)()
        if f is None: sys.exit(f'no offline ImageNet file for {a.arch}: install its package ({", ".join(OFFLINE_WEIGHTS)} have one)')
        sd = torch.load(f, map_location='cpu', weights_only=True)
        torch.save({k: v.half() if v.is_floating_point() else v for k, v in sd.items()}, out/f'weights-{a.arch}.pth')
    if a.wheels:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:', '--python-version', '3.12',
                        '--implementation', 'cp', '--platform', 'manylinux_2_28_x86_64', '--platform', 'manylinux2014_x86_64',
                        '-d', str(out/'whl'), *WHEELS], check=True)
    sizes = {p.name: p.stat().st_size for p in out.rglob('*') if p.is_file()}
    (out/'bundle.json').write_text(json.dumps(dict(n_images=len(df), arch=a.arch, files=sizes), indent=1))
    print(f"{out}: {len(df)} images, {sum(sizes.values()) / 2**20:.1f} MiB")


def _png(item):
    name, b, dst = item
    if name.endswith('.webp'): Image.open(io.BytesIO(b)).convert('L').save(Path(dst)/(name[:-5] + '.png'), compress_level=1)
    else: (Path(dst)/name).write_bytes(b)


def train(a):
    from boneage_core.data import read_kaggle, apply_split, KAGGLE_CSV, KAGGLE_IMAGES
    from boneage_core.train import export_checkpoint
    from safetensors import safe_open
    from safetensors.torch import save_file
    bundle, work, out = Path(a.bundle).resolve(), Path(a.work), Path(a.out)
    t0 = time.time(); log = lambda *s: print(f'[{time.time() - t0:6.1f}s]', *s, flush=True)
    root = work/'data'; (root/KAGGLE_IMAGES).mkdir(parents=True, exist_ok=True); out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(bundle/'data.zip') as z:
        z.extract(KAGGLE_CSV, root)
        with ProcessPoolExecutor(a.workers) as ex:
            list(ex.map(_png, ((n, z.read(n), str(root/KAGGLE_IMAGES)) for n in z.namelist() if n != KAGGLE_CSV), chunksize=128))
    df = apply_split(read_kaggle(root), bundle/'split.csv')
    log(f'{len(df)} images unpacked to {root}')
    runs, weights = work/'runs', bundle/f'weights-{a.arch}.pth'
    cmd = [sys.executable, '-m', 'boneage_core.study', 'train', '--data', root, '--split', bundle/'split.csv', '--out', runs, '--arch', a.arch,
           '--size', a.size, '--epochs', a.epochs, '--lr', a.lr, '--bs', a.bs, '--loss', a.loss, '--patience', a.patience or a.epochs, '--seeds', *a.seeds,
           '--frame-jitter', a.frame_jitter, '--frame-views', a.frame_views, '--process-views', a.process_views,
           *(['--process-kinds', *a.process_kinds] if a.process_kinds else []),
           '--jobs', len(a.seeds), '--time-limit', a.budget - (time.time() - t0),   # the time limit counts from the child's start
           '--norm-from', bundle/'norm.safetensors', *(['--pretrained', '--weights', weights] if weights.exists() else [])]
    clog = open(work/'ensemble.log', 'w')   # the members' progress bars, apart from this log
    child = subprocess.Popen(list(map(str, cmd)), stdout=clog, stderr=subprocess.STDOUT, start_new_session=True,
                             env=dict(os.environ, BONEAGE_CACHE=str(work/'cache')))
    hard = False
    try: child.wait(timeout=max(1, a.hard - (time.time() - t0)))
    except subprocess.TimeoutExpired:
        log('hard limit: stopping the members still running'); os.killpg(child.pid, signal.SIGKILL); child.wait(); hard = True
    clog.close()
    if child.returncode and not hard: log(f'training failed (exit {child.returncode}); end of {work/"ensemble.log"}:\n' + ''.join((work/'ensemble.log').read_text().splitlines(True)[-15:]))
    if (runs/'result.json').exists() and (dr := json.loads((runs/'result.json').read_text()).get('dropped')):
        log(f'seeds {dr} dropped: they could not finish within the budget')
    with tarfile.open(work/'members.tar', 'w') as tar:
        for s in a.seeds:
            d = runs/f'seed-{s}' if len(a.seeds) > 1 else runs   # one seed: a plain run in `runs`
            if hard and not (d/'model.safetensors').exists() and (d/'checkpoints'/'best.pth').exists() and (d/'config.json').exists():
                export_checkpoint(df, d, work/'cache'); log(f'seed {s}: its best epoch so far written (unfinished)')
            if (d/'model.safetensors').exists():
                with safe_open(str(d/'model.safetensors'), 'pt') as f:
                    save_file({k: (t.half() if t.is_floating_point() else t) for k in f.keys() for t in [f.get_tensor(k)]}, str(d/'model16.safetensors'), metadata=f.metadata())
                r = json.loads((d/'result.json').read_text())
                log(f"seed {s}: validation MAE {r['valid_mae']:.3f}, best epoch {r['best_epoch']}, {r.get('train_seconds')} s" + ('' if r.get('finished', True) else ', unfinished'))
            for f in ('model16.safetensors', 'result.json', 'valid_preds.csv', 'history.csv', 'config.json', 'train.log'):
                if (d/f).exists(): tar.add(d/f, arcname=f'seed-{s}/{f}')
        if len(a.seeds) > 1 and (runs/'result.json').exists(): tar.add(runs/'result.json', arcname='ensemble.json')
        tar.add(work/'ensemble.log', arcname='ensemble.log')
    b = (work/'members.tar').read_bytes()
    for i in range(0, len(b), PART): (out/f'members.tar.{i // PART}').write_bytes(b[i:i + PART])
    log(f'{len(b) / 2**20:.1f} MiB in {-(-len(b) // PART)} part(s) in {out}')


def unpack(a):
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    parts = sorted(a.parts, key=lambda p: int(str(p).rsplit('.', 1)[-1]))
    with tarfile.open(fileobj=io.BytesIO(b''.join(Path(p).read_bytes() for p in parts))) as tar: tar.extractall(out, filter='data')
    for m in out.glob('seed-*/model16.safetensors'): m.replace(m.with_name('model.safetensors'))
    for r in sorted(out.glob('seed-*/result.json')):
        x = json.loads(r.read_text())
        print(r.parent, f"validation MAE {x['valid_mae']:.3f}" + ('' if x.get('finished', True) else ' (unfinished)'))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0]); sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('pack'); p.add_argument('--data', required=True); p.add_argument('--split', required=True)
    p.add_argument('--norm-from', required=True); p.add_argument('--arch'); p.add_argument('--wheels', action='store_true')
    p.add_argument('--reuse-data', action='store_true', help='keep OUT/data.zip when it holds the same labels and image ids, pixels not compared (another --arch: seconds, not 11 minutes on 2 cores)')
    p.add_argument('--out', default='.dev'); p.add_argument('--workers', type=int, default=os.cpu_count())
    t = sub.add_parser('train'); t.add_argument('--bundle', default='.dev'); t.add_argument('--arch', required=True)
    t.add_argument('--size', type=int, default=224); t.add_argument('--epochs', type=int, default=35); t.add_argument('--lr', type=float, default=1e-3)
    t.add_argument('--bs', type=int, default=64); t.add_argument('--loss', default='l1'); t.add_argument('--patience', type=int); t.add_argument('--seeds', type=int, nargs='+', default=[2, 5, 6, 7])
    t.add_argument('--frame-jitter', type=float, default=0.0, help='train also on reframed views (boneage train --frame-jitter; default 0: off)')
    t.add_argument('--frame-views', type=int, default=1, help='with --frame-jitter: reframed views per training image (default 1)')
    t.add_argument('--process-views', type=int, default=0, help='train also on processed views (boneage train --process-views; default 0: off)')
    t.add_argument('--process-kinds', nargs='+', metavar='FAMILY=LO:HI[:W]', help='with --process-views: their families, ranges and weights (boneage train --process-kinds)')
    t.add_argument('--budget', type=float, required=True, help='seconds from the start by which the members must finish (time_limit)')
    t.add_argument('--hard', type=float, required=True, help='seconds from the start at which everything still running stops')
    t.add_argument('--work', default='/tmp/boneage-lease'); t.add_argument('--out', default=os.environ.get('OUT', 'lease-out'))
    t.add_argument('--workers', type=int, default=min(16, os.cpu_count() or 1))
    u = sub.add_parser('unpack'); u.add_argument('parts', nargs='+'); u.add_argument('--out', required=True)
    a = ap.parse_args()
    {'pack': pack, 'train': train, 'unpack': unpack}[a.cmd](a)
