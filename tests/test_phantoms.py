"The built-in phantoms carry a learnable age signal: a small CNN trained for seconds beats the median guess by far."
import numpy as np, torch, torch.nn as nn
from boneage_core.synthetic import make_phantoms, REGIONS
from boneage_core.data import read_kaggle, make_split
from boneage_core.preprocess import cached_images, PreprocConfig


def _fit_small_cnn(x, y, male, train, epochs=14, seed=0):
    torch.manual_seed(seed)
    mu, sd = y[train].mean(), y[train].std()
    chans = [(1, 16), (16, 32), (32, 64), (64, 64)]
    body = nn.Sequential(*[m for ci, co in chans for m in (nn.Conv2d(ci, co, 3, padding=1), nn.BatchNorm2d(co), nn.ReLU(), nn.MaxPool2d(2))],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten())
    head = nn.Linear(65, 1)
    params = list(body.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, 3e-3)
    idx = np.flatnonzero(train)
    steps = epochs * int(np.ceil(len(idx) / 32))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)
    fwd = lambda b: head(torch.cat([body(x[b]), male[b, None]], 1))[:, 0]
    for _ in range(epochs):
        body.train()
        for b in np.array_split(np.random.default_rng(_).permutation(idx), int(np.ceil(len(idx) / 32))):
            loss = nn.functional.l1_loss(fwd(b), (y[b] - mu) / sd)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    body.eval()
    with torch.no_grad(): return fwd(np.flatnonzero(~train)) * sd + mu


def test_phantoms_are_learnable(tmp_path):
    make_phantoms(tmp_path/'ph', n=600, size=128, seed=0, progress=False)
    df = make_split(read_kaggle(tmp_path/'ph'), valid_pct=0.25, test_pct=0.0, seed=0)
    X = cached_images(df, PreprocConfig(size=64), tmp_path/'cache', progress=False)
    x = torch.tensor(np.asarray(X), dtype=torch.float32)[:, None] / 255
    y = torch.tensor(df.boneage.values, dtype=torch.float32)
    male = torch.tensor(df.male.values, dtype=torch.float32)
    train = (df.split == 'train').to_numpy(copy=True)   # writable: pandas 3 hands out read-only views, which torch warns about when indexing
    pred = _fit_small_cnn(x, y, male, train)
    mae = (pred - y[~train]).abs().mean().item()
    baseline = (y[~train] - y[train].median()).abs().mean().item()
    print(f"small CNN on phantoms: MAE {mae:.1f} months vs {baseline:.1f} for the median guess")
    assert mae < 0.5 * baseline, (mae, baseline)


def test_signal_regions_recorded(tmp_path):
    import json
    make_phantoms(tmp_path, n=4, size=64, seed=0, signal_regions=['carpals'], progress=False)
    meta = json.loads((tmp_path/'phantoms.json').read_text())
    assert meta['signal_regions'] == ['carpals'] and meta['regions'] == REGIONS
    assert len(list((tmp_path/'masks').glob('*.png'))) == 4
