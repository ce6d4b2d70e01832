"`boneage study` end to end on a tiny notebook set (papermill for real): reports, tables, index, environment records, skip on re-run, clear failure."
import hashlib, json, subprocess, sys
from importlib.metadata import version
import nbformat
import pytest
from boneage_core.study import NOTEBOOKS, STEPS, main


def _nb(body, fail=False):
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell("out = 'x'\nquick = False\ndata = None\nseed = 0"); p.metadata['tags'] = ['parameters']
    code = ("from pathlib import Path\nimport pandas as pd, matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
            "o = Path(out); o.mkdir(parents=True, exist_ok=True)\n" + body)
    nb.cells = [p, nbformat.v4.new_code_cell(code)] + ([nbformat.v4.new_code_cell("raise ValueError('deliberate failure')")] if fail else [])
    nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'python3', 'language': 'python'}
    return nb


@pytest.fixture
def tiny_nbs(tmp_path, monkeypatch):
    d = tmp_path/'nbs'; d.mkdir()
    for s in STEPS:
        nbformat.write(_nb(f"pd.DataFrame({{'step': ['{s}'], 'MAE_x': [1.234]}}).to_csv(o/'{s}_table.csv', index=False)\n"
                           f"plt.plot([1, 2]); plt.savefig(o/'{s}_fig.png'); (o/'notes.md').write_text('# notes')"), d/NOTEBOOKS[s])
    monkeypatch.setenv('BONEAGE_NBS', str(d))
    return d


def test_study_writes_report(tiny_nbs, tmp_path, capsys):
    out = tmp_path/'res'
    assert main(['study', '--out', str(out), '--quick']) == 0
    for s in STEPS:
        assert (out/s/NOTEBOOKS[s]).exists() and (out/s/NOTEBOOKS[s]).with_suffix('.html').exists()
        assert (out/s/f'{s}_table.tex').read_text().startswith('\\begin{tabular}')
    assert '| train | 1.23 |' in (out/'train'/'train_table.md').read_text()
    idx = (out/'index.html').read_text()
    assert all(f'{s}/{s}_fig.png' in idx for s in STEPS)
    assert "documents: <a href='train/notes.md'>notes</a>" in idx and 'train/notes.tex' not in idx   # a Markdown document is not a table
    assert '<td>train</td>' in idx and '<td>1.23</td>' in idx and "<a href='train/train_table.tex'>tex</a>" in idx   # tables shown in the page, with their files
    env = json.loads((out/'train'/'environment.json').read_text())           # where each step ran
    assert env['packages']['fastai'] == version('fastai') and env['data'] == 'built-in phantoms'
    assert idx.count('ran with boneage') == len(STEPS) and f"torch {version('torch')}" in idx
    capsys.readouterr()
    assert main(['study', '--out', str(out), '--quick', '--only', 'train']) == 0
    assert 'complete already: skipped' in capsys.readouterr().out
    # a step that reads a file (evaluate reads train/model.safetensors) runs again when that file changes
    (out/'train'/'model.safetensors').write_bytes(b'a model')
    assert main(['study', '--out', str(out), '--quick', '--only', 'evaluate']) == 0 and 'running' in capsys.readouterr().out
    assert main(['study', '--out', str(out), '--quick', '--only', 'evaluate']) == 0 and 'skipped' in capsys.readouterr().out
    (out/'train'/'model.safetensors').write_bytes(b'a retrained model')
    assert main(['study', '--out', str(out), '--quick', '--only', 'evaluate']) == 0 and 'running' in capsys.readouterr().out
    sha = hashlib.sha256(b'a retrained model').hexdigest()   # the model file the evaluation read, exactly
    assert json.loads((out/'evaluate'/'environment.json').read_text())['model_files'] == {'model': sha}
    assert env['model_files'] is None and f'; model {sha[:12]}; started' in (out/'index.html').read_text()


def test_study_failure_is_clear(tiny_nbs, tmp_path, capsys):
    nbformat.write(_nb("", fail=True), tiny_nbs/NOTEBOOKS['train'])
    out = tmp_path/'res'
    assert main(['study', '--out', str(out), '--quick']) == 1
    err = capsys.readouterr().err
    assert '21_train.ipynb failed at cell' in err and 'deliberate failure' in err and len(err.strip().splitlines()) == 1
    assert (out/'train'/NOTEBOOKS['train']).exists() and not (out/'evaluate').exists()


def test_console_command_installed():
    r = subprocess.run([sys.executable, '-m', 'boneage_core.study', 'study', '--only', 'nonsense', '--out', '/tmp/boneage-none'],
                       capture_output=True, text=True)
    assert r.returncode == 1 and 'unknown study step' in r.stderr
    assert r.stderr.startswith('boneage: ') and len(r.stderr.strip().splitlines()) == 1   # one line: no library warnings around it


def test_study_notebooks_have_parameters_cell():
    "papermill needs the `parameters` tag; nbdev-clean must keep it (allowed_cell_metadata_keys)."
    from boneage_core.study import nbs_dir
    for nb in NOTEBOOKS.values():
        cells = nbformat.read(str(nbs_dir()/nb), as_version=4).cells
        assert sum('parameters' in c.metadata.get('tags', []) for c in cells) == 1, nb


def test_study_relative_paths(tiny_nbs, tmp_path, monkeypatch):
    "Relative --out and --data work although each notebook runs in its own folder (they are made absolute)."
    (tmp_path/'mydata').mkdir()
    for s in STEPS:  # each tiny notebook records the data path it was given and whether it exists from its own folder
        nbformat.write(_nb(f"pd.DataFrame({{'data': [data], 'exists': [Path(data).exists()]}}).to_csv(o/'{s}_data.csv', index=False)"), tiny_nbs/NOTEBOOKS[s])
    monkeypatch.chdir(tmp_path)
    assert main(['study', '--out', 'res', '--data', 'mydata', '--only', 'explore']) == 0
    import pandas as pd
    t = pd.read_csv(tmp_path/'res'/'explore'/'explore_data.csv')
    assert bool(t.exists[0]) and t.data[0] == str(tmp_path/'mydata')


def test_study_parameters_from_the_command_line(tiny_nbs, tmp_path, capsys):
    "`-p STEP.NAME=VALUE` reaches that step's notebook (papermill injects it) and no other; a new value runs the step again; a typo is a one-line error; --dry-run runs nothing."
    for s in STEPS:  # each tiny notebook records the seed it was given
        nbformat.write(_nb(f"(o/'seed.txt').write_text(repr(seed))"), tiny_nbs/NOTEBOOKS[s])
    out = tmp_path/'res'
    assert main(['study', '--out', str(out), '--only', 'explore', 'train', '-p', 'train.seed=[7, 8]']) == 0
    assert (out/'train'/'seed.txt').read_text() == '[7, 8]' and (out/'explore'/'seed.txt').read_text() == '42'
    assert 'step 2/2 (set: seed=[7, 8])' in capsys.readouterr().out
    assert main(['study', '--out', str(out), '--only', 'train', '-p', 'train.seed=[7, 8]']) == 0 and 'skipped' in capsys.readouterr().out
    assert main(['study', '--out', str(out), '--only', 'train', '-p', 'train.seed=9']) == 0 and 'running' in capsys.readouterr().out
    assert (out/'train'/'seed.txt').read_text() == '9'
    assert main(['study', '--out', str(out), '--only', 'train', '-p', 'train.sede=9']) == 1
    err = capsys.readouterr().err
    assert "21_train.ipynb has no parameter 'sede'; its parameters: quick, seed" in err and len(err.strip().splitlines()) == 1
    assert main(['study', '--out', str(tmp_path/'dry'), '--dry-run', '-p', 'evaluate.seed=3']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [l.split(' ')[0] for l in lines] == [f'[{s}]' for s in STEPS] and "seed=3" in lines[STEPS.index('evaluate')] and not (tmp_path/'dry'/'train').exists()


ZMQ_SHUTDOWN = 'Assertion failed: pfd.revents & POLLIN'   # libzmq, as a kernel exits on a loaded machine: the stderr.log keeps it, as it would any native line


def test_study_output_is_quiet(tiny_nbs, tmp_path):
    """The command's own lines only: the notebooks' kernels talk over local sockets, so ipykernel's plain-TCP warning never appears.
    The sockets live in a private temporary folder, not in the step's report folder (the notebook's working directory). What a
    kernel process writes to its own stderr below the notebook's outputs (a native library, in a cell or as the kernel exits:
    once, libzmq's 'Assertion failed: pfd.revents & POLLIN' at a shutdown on a loaded machine) goes to the step's stderr.log."""
    nbformat.write(_nb("import os; (o/'seen.txt').write_text('\\n'.join(sorted(os.listdir('.'))))\n"
                       "import atexit; atexit.register(os.write, 2, b'native, at exit\\n'); os.write(2, b'native, in a cell\\n')"), tiny_nbs/NOTEBOOKS['explore'])
    r = subprocess.run([sys.executable, '-m', 'boneage_core.study', 'study', '--only', 'explore', 'train', '--out', str(tmp_path/'res')],
                       capture_output=True, text=True)
    assert r.returncode == 0 and (tmp_path/'res'/'train'/'train_table.md').exists(), r.stderr
    other = [l for l in r.stderr.splitlines() if not l.startswith('Passed unknown parameter')]   # the tiny notebooks lack some of the study's parameters
    assert other == [], r.stderr
    assert [l.split(' ')[0] for l in r.stdout.splitlines() if l.startswith('[')] == ['[explore]', '[explore]', '[train]', '[train]']
    seen = (tmp_path/'res'/'explore'/'seen.txt').read_text().split()
    assert 'environment.json' in seen and not [f for f in seen if f.startswith('kernel')], seen   # what the running notebook saw in its folder
    own = lambda step: [l for l in (tmp_path/'res'/step/'stderr.log').read_text().splitlines() if not l.startswith(ZMQ_SHUTDOWN)] \
        if (tmp_path/'res'/step/'stderr.log').exists() else None   # what the notebook's kernel wrote, less libzmq's shutdown line on a loaded machine
    assert own('explore') == ['native, in a cell', 'native, at exit']
    assert not own('train')   # kept only where the kernel wrote to it (here nothing, or libzmq's line alone)


def test_study_kernel_is_not_interrupted_at_shutdown(tmp_path):
    """jupyter_client sends a kernel SIGINT before its shutdown request; a study notebook's kernel gets the request alone
    (a SIGINT that lands while the kernel still sends its last messages prints 'KeyboardInterrupt caught in kernel').
    The kernel installs a SIGINT handler that writes a file and keeps it past the cell; the file must not appear."""
    import asyncio
    from boneage_core.study import _kernel_manager

    async def shut_down(f):
        km = _kernel_manager()(kernel_name='python3'); await km.start_kernel()
        kc = km.client(); kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            code = ("import signal; get_ipython().kernel.post_handler_hook = lambda: None\n"
                    f"_ = signal.signal(signal.SIGINT, lambda *a: open({str(f)!r}, 'w').write('SIGINT'))")
            assert (await kc.execute_interactive(code, timeout=60, output_hook=lambda m: None))['content']['status'] == 'ok'
            assert await km.is_alive()
        finally:
            kc.stop_channels(); await km.shutdown_kernel()
        return await km.is_alive()

    f = tmp_path/'sigint.txt'
    assert asyncio.run(shut_down(f)) is False   # the shutdown request ended it
    assert not f.exists(), f.read_text()


def test_a_closed_pipe_ends_quietly():
    "`boneage card | head -1` and the like: once the reader has gone, the command stops without a traceback, exit code 1."
    import os
    r, w = os.pipe(); os.close(r)   # a reader that has already gone: the first write fails (EPIPE), as it would later in `| head`
    try: p = subprocess.run([sys.executable, '-m', 'boneage_core.study', 'card'], stdout=w, stderr=subprocess.PIPE, text=True, timeout=300)
    finally: os.close(w)
    assert p.returncode == 1 and 'Traceback' not in p.stderr and 'Exception ignored' not in p.stderr, p.stderr
