"""Write constraints.txt, the exact versions of everything boneage needs (with [dev]) as installed in this environment, or check an
environment against it.

    python scripts/lock_env.py [--out constraints.txt] [--note "what was measured with it"]   # write
    python scripts/lock_env.py --check [FILE]                                               # compare; exit 1 where a version differs

Write it from an environment made with `pip install -e ".[dev]"` in which the tests passed and the figures were measured; packages
installed beside boneage by hand (the offline ImageNet weight packages) are left out, as they are not requirements. The file is a pip
constraints file: `pip install -e ".[dev]" -c constraints.txt` installs those versions and nothing more."""
import argparse, platform, sys, time
from pathlib import Path
from boneage_core.study import dependency_versions, pin_differences, read_pins

ROOT = Path(__file__).resolve().parent.parent
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('--check', nargs='?', const=ROOT/'constraints.txt', default=None, metavar='FILE')
ap.add_argument('--out', default=ROOT/'constraints.txt'); ap.add_argument('--note', default='')
a = ap.parse_args()
if a.check:
    d = pin_differences(read_pins(a.check))
    for n, (have, pin) in d.items(): print(f'{n}: {have} installed, ' + (f'{pin} pinned' if pin else 'not pinned'))
    print(f'{len(d)} package(s) differ from {a.check}' if d else f'every package boneage needs is at the version {a.check} pins')
    sys.exit(1 if d else 0)
v = dependency_versions()
head = [f'# The versions of everything boneage needs (with [dev]), as installed on {time.strftime("%Y-%m-%d")}: Python {platform.python_version()},',
        f'# {platform.system()} {platform.machine()}. {a.note}'.rstrip(),
        '# Install exactly these: pip install -e ".[dev]" -c constraints.txt   Check an environment: python scripts/lock_env.py --check',
        '# Written by scripts/lock_env.py; pins another platform does not need are ignored there.']
Path(a.out).write_text('\n'.join(head) + '\n' + ''.join(f'{n}=={ver}\n' for n, ver in v.items()))
print(f'{a.out}: {len(v)} packages pinned')
