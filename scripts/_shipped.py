"""What the ship scripts of the input checks share: the real data and the study's split that the shipped bone-age model was trained on."""
import argparse, sys
from boneage_core.data import shared_data
from boneage_core.explore import study_dataset
from boneage_core.predict import get_model


def check_parser(doc, name, dst, epochs) -> argparse.ArgumentParser:
    "The options each ship script of an input check takes: --data, --dst (default: the shipped file `dst`), --out (default: results-real/NAME), --epochs, --seed."
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument('--data', default=None); ap.add_argument('--dst', default=str(dst))
    ap.add_argument('--out', default=f'results-real/{name}', help='where the split and the per-image table go')
    ap.add_argument('--epochs', type=int, default=epochs); ap.add_argument('--seed', type=int, default=0)
    return ap


def shipped_split(data, out):
    """`(model, meta, df, data)`: the shipped bone-age model, its metadata, and the study's split (seed 42, written under `out`) of
    `data` (default: the shared real 100-px set). Exits with one line when there is no data, or when the split is not the one
    the model's target normalisation came from (so the figures are on the images it was validated and tested on)."""
    data = data or shared_data()
    if data is None: sys.exit('no data: give --data (the Kaggle-layout folder of the real 100-px RSNA set)')
    model, meta = get_model()
    df = study_dataset(data, out=out, seed=42)
    if not meta['norm'].fits(df[df.split == 'train'].boneage):
        sys.exit(f"{df.attrs['split_csv']}: not the split the shipped bone-age model was trained on")
    return model, meta, df, data
