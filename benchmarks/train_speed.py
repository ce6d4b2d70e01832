"""Training and inference speed of the backbones on this machine's CPU (or GPU if present): images/s for a
BoneAgeNet train step (forward, backward, AdamW step; channels_last as training runs it on a GPU or with `channels_last=True`, and plain NCHW, the CPU default, beside it), the minutes one epoch over the 7,779 training images of our split
would take at that speed, and inference images/s of the model as prediction runs it (`for_inference`: conv+BN folded,
channels_last), at 100 and 256 px, plus the peak memory of each run; with glibc's allocator tuned as training and prediction
run it (`tune_cpu_malloc`; `--malloc default` measures without). Prints a table; asserts nothing. Each measurement runs in its own process so that peak
memory is its own.

    python benchmarks/train_speed.py [--archs resnet18 efficientnet_b0 ...] [--sizes 100 256] [--bs 32] [--malloc tuned|default]
"""
import argparse, json, os, resource, subprocess, sys, time

ARCHS = ['resnet18', 'efficientnet_b0', 'convnext_atto', 'tv_mobilenet_v2', 'mobilenetv3_large_100']


def one(arch, size, bs, steps, cl, malloc='tuned'):
    import torch
    from boneage_core.model import BoneAgeNet, for_inference, tune_cpu_malloc
    tuned = malloc == 'tuned' and tune_cpu_malloc()
    torch.set_num_threads(os.cpu_count()); torch.manual_seed(0)
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    m = BoneAgeNet(arch).to(dev)
    if cl: m = m.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(m.parameters(), 1e-3)
    x, male, y = torch.randn(bs, 1, size, size, device=dev), torch.ones(bs, device=dev), torch.randn(bs, device=dev)
    def step():
        loss = (m(x, male) - y).abs().mean(); opt.zero_grad(); loss.backward(); opt.step()
    m.train(); step()
    t = time.perf_counter()
    for _ in range(steps): step()
    if dev == 'cuda': torch.cuda.synchronize()
    train = bs * steps / (time.perf_counter() - t)
    m.eval(); xi = x.contiguous(memory_format=torch.channels_last); mi = for_inference(m)
    with torch.no_grad():
        mi(xi, male); t = time.perf_counter()
        for _ in range(steps): mi(xi, male)
        if dev == 'cuda': torch.cuda.synchronize()
    infer = bs * steps / (time.perf_counter() - t)
    params = sum(p.numel() for p in m.parameters()) / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(arch=arch, size=size, bs=bs, device=dev, channels_last=cl, params_M=round(params, 2), malloc_tuned=tuned, train_img_s=round(train, 1),
                          infer_img_s=round(infer, 1), peak_rss_MiB=round(peak))))


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--archs', nargs='+', default=ARCHS); ap.add_argument('--sizes', nargs='+', type=int, default=[100, 256])
    ap.add_argument('--bs', type=int, default=32); ap.add_argument('--steps', type=int, default=3); ap.add_argument('--one', nargs=3)
    ap.add_argument('--malloc', choices=['tuned', 'default'], default='tuned')
    a = ap.parse_args()
    if a.one: one(a.one[0], int(a.one[1]), a.bs, a.steps, a.one[2] == '1', a.malloc); sys.exit()
    print(f"{'arch':24} {'size':>5} {'params M':>9} {'train img/s':>12} {'(NCHW)':>7} {'epoch min':>10} {'infer img/s':>12} {'peak MiB':>9}")
    for arch in a.archs:
        for s in a.sizes:
            d = {}
            for cl in ('1', '0'):   # channels_last (GPU default, CPU opt-in), then plain NCHW (CPU default)
                r = subprocess.run([sys.executable, __file__, '--one', arch, str(s), cl, '--bs', str(a.bs), '--steps', str(a.steps), '--malloc', a.malloc],
                                   capture_output=True, text=True)
                if r.returncode: print(f"{arch:24} {s:>5} failed: {r.stderr.strip().splitlines()[-1]}"); break
                d[cl] = json.loads(r.stdout.strip().splitlines()[-1])
            if len(d) < 2: continue
            c = d['1']
            print(f"{arch:24} {s:>5} {c['params_M']:>9} {c['train_img_s']:>12} {d['0']['train_img_s']:>7} {7779 / c['train_img_s'] / 60:>10.1f} {c['infer_img_s']:>12} {c['peak_rss_MiB']:>9}  ({c['device']}{', malloc tuned' if c['malloc_tuned'] else ''})", flush=True)
