"""Preprocessing speed: images/s on full-resolution radiographs, and the time to build the preprocessed cache
of the 11,111 real 100-px training images. Prints figures; asserts nothing.

    python benchmarks/preprocess.py [--workers N]
"""
import argparse, os, tempfile, time
import numpy as np
from boneage_core.data import shared_data, read_labels, read_kaggle
from boneage_core.io import read_radiograph
from boneage_core.preprocess import preprocess, cached_images, PreprocConfig, RSNA100


def bench_fullres(root, reps=2):
    lab = read_labels(root/'labels.csv', root/'images')
    t = time.perf_counter(); imgs = [read_radiograph(p)[0] for p in lab.path]; dec = time.perf_counter() - t
    print(f"full-resolution ({imgs[0].shape[1]}x{imgs[0].shape[0]} PNG, {len(imgs)} images): decode {len(imgs) / dec:.1f} img/s")
    for cfg in (PreprocConfig(size=256), PreprocConfig(size=512), PreprocConfig(size=256, contrast='clahe'), RSNA100):
        t = time.perf_counter()
        for _ in range(reps):
            for im in imgs: preprocess(im, cfg)
        dt = (time.perf_counter() - t) / (reps * len(imgs))
        print(f"  preprocess {cfg}: {1 / dt:.1f} img/s ({dt * 1000:.0f} ms/img, decoding excluded)")


def bench_cache(root, workers):
    df = read_kaggle(root)
    for cfg in (RSNA100, PreprocConfig(size=128, contrast='clahe')):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter(); X = cached_images(df, cfg, d, n_workers=workers, progress=False); build = time.perf_counter() - t
            t = time.perf_counter(); X2 = cached_images(df, cfg, d, progress=False); _ = float(np.asarray(X2[::97]).mean()); reopen = time.perf_counter() - t
            t = time.perf_counter(); _ = np.asarray(X2).sum(); full = time.perf_counter() - t
            print(f"cache of {len(df):,} images, {cfg}: built in {build:.1f} s ({len(df) / build:.0f} img/s, {workers} workers), "
                  f"{X.nbytes / 2**20:.0f} MiB; reopened in {reopen * 1000:.0f} ms; full pass over it {full * 1000:.0f} ms")


if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--workers', type=int, default=os.cpu_count())
    a = ap.parse_args()
    full, small = shared_data('rsna-test-fullres-sample'), shared_data('rsna-bone-age-100px')
    print(f"CPU cores: {os.cpu_count()}")
    if full: bench_fullres(full)
    else: print('full-resolution sample not found: skipped')
    if small: bench_cache(small, a.workers)
    else: print('100-px RSNA data not found: skipped')
