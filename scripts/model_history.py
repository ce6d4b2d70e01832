"""Every version of the shipped model (`boneage_core/models/default.safetensors`) in this checkout's git history, newest first,
as a Markdown table: the file's id (`model.model_id`: the first 12 hex digits of its SHA-256, as prediction tables, reports and
the model card name it), the commit that shipped it, its nets and the MAE its own record gives.

A prediction table's `model_sha256` column, or a report's model line, says which model made it; this table says what that
model was, and `git show COMMIT:boneage_core/models/default.safetensors` gets it back.

    python scripts/model_history.py                    # print the table
    python scripts/model_history.py --check STUDY.md   # exit 1 when the table in STUDY.md lists other versions

The check leaves the commit and date cells out: the commit that ships a file cannot name itself, so its row may say `–` there
until a later commit fills them in.
"""
import argparse, hashlib, subprocess, sys, tempfile
from pathlib import Path
from boneage_core.model import model_meta, nets_summary, ID_DIGITS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = 'boneage_core/models/default.safetensors'
HEAD = ('| model id | shipped | commit | nets | input | validation MAE | with TTA | test MAE | with TTA |',
        '|---|---|---|---|---|---|---|---|---|')

def git(*args) -> bytes: return subprocess.run(['git', '-C', str(ROOT), *args], capture_output=True, check=True).stdout

def versions():
    "(commit, date) of each commit that changed the shipped file, newest first."
    out = git('log', '--format=%h %cs', '--', SHIPPED).decode().split('\n')
    return [tuple(l.split()) for l in out if l.strip()]

def _f(x): return '–' if x is None else f'{x:.2f}'   # – : not recorded in that file

def row(data: bytes, commit: str, date: str) -> str:
    "One version's table row, from the file's bytes and its own record."
    with tempfile.NamedTemporaryFile(suffix='.safetensors') as f:
        f.write(data); f.flush(); meta = model_meta(f.name)
    info = meta.get('info') or {}
    nets = nets_summary([m['arch'] for m in meta.get('members') or [dict(arch=meta['arch'])]], quote='`')
    test_one = (((info.get('performance') or {}).get('test') or {}).get('metrics') or {}).get('MAE', [None])[0]
    return (f"| `{hashlib.sha256(data).hexdigest()[:ID_DIGITS]}` | {date} | {commit} | {nets} | {meta['preproc'].size} px | "
            f"{_f(info.get('valid_mae'))} | {_f(info.get('valid_mae_tta'))} | {_f(test_one)} | {_f((info.get('test_split') or {}).get('mae'))} |")

def table() -> str:
    "The whole table, newest version first."
    if git('rev-parse', '--is-shallow-repository').strip() == b'true': sys.exit("a shallow clone lacks the history: git fetch --unshallow")
    return '\n'.join([*HEAD, *(row(git('show', f'{c}:{SHIPPED}'), c, d) for c, d in versions())])

def table_in(text: str) -> str:
    "The history table as a Markdown file holds it: from its header line to the first line that is not a table row."
    lines = text.split('\n')
    if HEAD[0] not in lines: return ''
    i = lines.index(HEAD[0]); j = i
    while j < len(lines) and lines[j].startswith('|'): j += 1
    return '\n'.join(lines[i:j])

def versions_only(t: str) -> list[str]:
    "The table's rows without their commit and date cells (`--check` compares these)."
    return [' | '.join(c for i, c in enumerate(l.split(' | ')) if i not in (1, 2)) for l in t.split('\n')[2:] if l.strip()]

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--check', metavar='FILE', help='compare with the table in FILE (e.g. STUDY.md); exit 1 where they differ')
    a = ap.parse_args()
    t = table()
    if not a.check: print(t); sys.exit(0)
    have = table_in(Path(a.check).read_text())
    if versions_only(have) != versions_only(t): print(f"{a.check}: its table does not list the shipped versions; replace it with:\n{t}"); sys.exit(1)
    print(f"{a.check}: the table lists every shipped version" + ('' if have == t else ", some without the commit that shipped them (below, as the history gives them)"))
    if have != t: print(t)
