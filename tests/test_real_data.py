"The loaders and preprocessing on the real RSNA data in ../shared/data (skipped, with the reason, when absent)."
import numpy as np
from skimage.filters import threshold_otsu
from boneage_core.data import read_kaggle, read_labels, make_split
from boneage_core.io import read_radiograph
from boneage_core.preprocess import preprocess, PreprocConfig, hand_bbox


def test_kaggle_100px_reads_and_splits(rsna100):
    df = read_kaggle(rsna100)
    assert len(df) == 11111 and df.id.is_unique
    assert df.boneage.between(1, 228).all() and df.male.dtype == bool
    sp = make_split(df)
    counts = sp.split.value_counts()
    assert abs(counts['valid'] - 0.15 * len(df)) < 20 and abs(counts['test'] - 0.15 * len(df)) < 20
    # stratified: mean age of each part within a month of the whole
    assert (sp.groupby('split').boneage.mean() - df.boneage.mean()).abs().max() < 1.5


def test_fullres_sample_preprocesses(rsna_fullres):
    lab = read_labels(rsna_fullres/'labels.csv', rsna_fullres/'images')
    assert len(lab) == 20
    for p in lab.path[:5]:
        img, meta = read_radiograph(p)
        assert img.shape == (2080, 1600) and meta['bit_depth'] == 8
        y0, y1, x0, x1 = hand_bbox(img)
        # the crop loses no hand: (almost) no tissue-bright pixel lies outside the box, and the wrist reaching the
        # bottom edge is kept
        outside = np.ones(img.shape, bool); outside[y0:y1, x0:x1] = False
        bright = img > threshold_otsu(img[::8, ::8])
        assert bright[outside].sum() < 0.002 * bright.sum() and y1 == img.shape[0]
        assert (y1 - y0) * (x1 - x0) < img.size  # and it does crop something
        out = preprocess(img, PreprocConfig(size=256))
        assert out.shape == (256, 256) and out.std() > 20


def test_shipped_model_on_fullres_sample(rsna_fullres):
    "The shipped ensemble on the 20 official full-resolution test images: measured 6.5 months MAE, 19/20 inside the 95% intervals."
    from boneage_core.patient import items_from, predict_table
    t = predict_table(items_from(rsna_fullres/'labels.csv', images=rsna_fullres/'images'), progress=False)
    t = t.assign(truth=t.boneage_true.astype(float))      # the label file's ground truth, carried through
    assert (t.error.fillna('') == '').all() and t.truth.notna().all() and len(t) == 20
    assert (t.bone_age_months - t.truth).abs().mean() < 9
    assert ((t.truth >= t.lo95) & (t.truth <= t.hi95)).sum() >= 17
    assert not t['flags'].fillna('').str.contains('mirrored').any()   # left hands, as the atlas shows them
    # how wide a follow-up's intervals are with this model (README, Follow-up films: 28 to 35 months): the 20 paired by sex and
    # age as if each pair were two visits of one child, the true bone age standing in for the age
    from boneage_core.followup import follow_up
    v = t.assign(male=t.male.astype(bool), chronological_age_months=t.truth).sort_values(['male', 'truth'])
    f = follow_up(v.assign(patient=[f'p{i // 2}' for i in range(len(v))]))
    assert len(f) == 10 and (f.change_hi95 - f.change_months).between(25, 40).all() and (f.change_lo95 < f.change_months).all()


def test_laterality_on_fullres_sample(rsna_fullres):
    "The shipped laterality model on the 20 official full-resolution test images (left hands): none looks mirrored as it is, each mirror image does (measured: P 0.005-0.23 as they are, 0.85-0.99 mirrored)."
    from boneage_core.laterality import mirror_check, MIRRORED
    for p in read_labels(rsna_fullres/'labels.csv', rsna_fullres/'images').path:
        img = read_radiograph(p)[0]
        assert mirror_check(img) < MIRRORED < mirror_check(img[:, ::-1]), p


def test_polarity_on_fullres_sample(rsna_fullres):
    "The shipped polarity model on the 20 official full-resolution test images: none looks like a negative in any of its turns, and each negative is inverted, upright or turned by a quarter or a half (measured: P under 0.004 as they are, a turn over 0.9998 as negatives); a negative on its side is predicted as its positive."
    from boneage_core.io import to_float01
    from boneage_core.patient import predict
    from boneage_core.polarity import negative_check, inverts, NEGATIVE
    t = read_labels(rsna_fullres/'labels.csv', rsna_fullres/'images')
    for p in t.path:
        img = to_float01(read_radiograph(p)[0])
        assert negative_check(img).max() < NEGATIVE and not inverts(negative_check(img)), p
        assert all(inverts(negative_check(np.rot90(1 - img, k))) for k in range(4)), p
    r = t.iloc[0]; img = to_float01(read_radiograph(r.path)[0])
    pos, neg = predict(img, r.male), predict(np.rot90(1 - img), r.male)   # inverted, then turned upright
    assert abs(pos.bone_age_months - neg.bone_age_months) < 0.05 and 'looked like a negative' in neg.flags and 'turned upright' in neg.flags, neg.flags
    assert 'negative' not in pos.flags


def test_rotation_on_fullres_sample(rsna_fullres):
    "The shipped rotation model on the 20 official full-resolution test images: none looks turned as it is, and each one turned by a quarter is turned back (the frame is square, so turning and squashing commute)."
    from boneage_core.rotation import rotation_check, rotation_flags, TURNED
    for p in read_labels(rsna_fullres/'labels.csv', rsna_fullres/'images').path:
        img = read_radiograph(p)[0]
        assert rotation_check(img)[0] < TURNED, p
        for k in (1, 3):
            test_k = rotation_flags(rotation_check(np.rot90(img, k)))[0]
            assert test_k == 4 - k, (p, k, test_k)


def test_evaluate_command_on_fullres_sample(rsna_fullres, tmp_path, capsys):
    "`boneage evaluate` on the official label table as it comes: every image measured, the same MAE as the predictions it writes."
    import pandas as pd
    from boneage_core.study import main
    assert main(['evaluate', str(rsna_fullres/'labels.csv'), '--images', str(rsna_fullres/'images'), '--n-boot', '200', '--out', str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert '20 images measured' in out and 'only 20 images' in out   # so few that the CIs are said to be rough
    m, p = pd.read_csv(tmp_path/'metrics.csv', index_col=0), pd.read_csv(tmp_path/'predictions.csv')
    assert m.loc['MAE', 'n'] == 20 and m.loc['MAE', 'ci_lo'] < m.loc['MAE', 'value'] < min(9, m.loc['MAE', 'ci_hi'])
    assert abs((p.bone_age_months - p.boneage_true).abs().mean() - m.loc['MAE', 'value']) < 0.01   # CSV rounded to 0.01
    assert m.loc['MAE', 'coverage95'] >= 0.85 and (tmp_path/'evaluation.png').stat().st_size > 10_000


def test_explain_fullres_sample(rsna_fullres):
    "One patient's explanation on real radiographs: the carpal and metacarpal zones carry most of the effect of blurring (measured on all 20: mean share 0.72; 0.73 on these 5, aged 11-16 y)."
    from boneage_core.interpret import explain
    from boneage_core.patient import predict
    lab = read_labels(rsna_fullres/'labels.csv', rsna_fullres/'images').head(5)
    shares = []
    for r in lab.itertuples():
        e = explain(r.path, male=r.male)
        assert abs(e['pred'] - predict(r.path, r.male, tta=False).bone_age_months) < 0.05   # the same prediction as `predict`
        shares.append(e['table'].share.get('carpals', 0) + e['table'].share.get('metacarpals', 0))
    assert np.mean(shares) > 0.5, shares
