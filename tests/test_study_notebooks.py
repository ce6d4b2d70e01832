"The study notebooks run headless with papermill, for real, on a small phantom set: train (a 2-seed ensemble) -> evaluate -> interpret, and the architecture grid."
from pathlib import Path
import json, pandas as pd, papermill as pm

NBS = Path(__file__).resolve().parent.parent/'nbs'
PH = dict(n_phantoms=120, seed=7)


def stderr_outputs(path) -> list[str]:
    "What an executed notebook's cells wrote to stderr: a library's warning there stands in the study's report (its HTML)."
    return [''.join(o.get('text', '')) for c in json.loads(Path(path).read_text())['cells'] for o in c.get('outputs', []) if o.get('name') == 'stderr']


def run(nb, folder, **params):
    pm.execute_notebook(str(NBS/nb), str(folder/nb), parameters=params, cwd=str(folder), progress_bar=False)
    assert stderr_outputs(folder/nb) == [], f"{nb} wrote to stderr, which its report would show"


def test_train_then_evaluate(tmp_path):
    run('21_train.ipynb', tmp_path, out=str(tmp_path/'train'), arch='resnet10t', size=48, epochs=2, lr=3e-3, bs=16, seeds=[7, 8], **PH)
    assert (tmp_path/'train'/'model.safetensors').exists() and (tmp_path/'train'/'history.png').exists()
    assert (tmp_path/'train'/'seed-8'/'model.safetensors').exists()    # the study's model is the ensemble of the two seeds
    run('23_evaluate.ipynb', tmp_path, model=str(tmp_path/'train'/'model.safetensors'), out=str(tmp_path/'eval'), n_boot=100, **PH)
    m = pd.read_csv(tmp_path/'eval'/'metrics.csv')
    assert set(m.split) == {'valid', 'test'} and set(m.metric) == {'MAE', 'RMSE', 'R2', 'bias'}
    # the evaluation used the training run's split: its validation MAE matches what training reported
    import json
    r = json.loads((tmp_path/'train'/'result.json').read_text())
    mae_valid = m[(m.split == 'valid') & (m.metric == 'MAE')].value.item()
    assert abs(mae_valid - r['valid_mae']) < 1e-3
    assert len(pd.read_csv(tmp_path/'eval'/'breakdown_test.csv')) >= 4
    g = pd.read_csv(tmp_path/'eval'/'split_gap.csv', index_col=0)        # the two splits' gap against random re-splits of their images
    assert list(g.index) == ['plain', 'TTA'] and abs(g.loc['plain', 'mae_a'] - mae_valid) < 1e-6 and abs(g.loc['plain', 'gap'] - (mae_valid - g.loc['plain', 'mae_b'])) < 1e-9
    assert (g.range_lo < g.range_hi).all() and ((g.p_value > 0) & (g.p_value <= 1)).all() and g.share_at_target.between(0, 1).all()
    card = (tmp_path/'eval'/'model_card.md').read_text()                  # the model's card, with the figures measured here
    mae_test = m[(m.split == 'test') & (m.metric == 'MAE')].value.item()
    n_test = pd.read_csv(tmp_path/'eval'/'breakdown_test.csv').n[0]
    assert 'ensemble of 2 × `resnet10t`' in card and f"| test | {n_test} | {mae_test:.2f} [" in card
    v = pd.read_csv(tmp_path/'eval'/'variants_test.csv').set_index('variant')
    assert v.loc['first member alone', 'mae_2'] == v.loc['TTA', 'mae_2'] and v.loc['first member alone', 'mae_1'] != v.loc['first member alone', 'mae_2']
    lk = pd.read_csv(tmp_path/'eval'/'mae_by_label_kind.csv')              # the MAE by kind of label (phantom ages are continuous: mostly 'other')
    assert set(lk.subset) <= {'whole year', 'half year', 'other'} and (lk.groupby('split').error_share.sum() - 1).abs().max() < 1e-6
    lf = pd.read_csv(tmp_path/'eval'/'label_format_check.csv').set_index('split')   # predictions moved onto the training labels' values, paired
    assert list(lf.index) == ['valid', 'test'] and lf.sigma.nunique() == 1 and abs(lf.loc['valid', 'mae_2'] - mae_valid) < 1e-6
    x, xp = pd.read_csv(tmp_path/'eval'/'external_metrics.csv', index_col=0), pd.read_csv(tmp_path/'eval'/'external_predictions.csv')
    assert x.loc['MAE', 'n'] == 40 and (xp.error.isna()).all()            # the new full-size phantoms, every one measured
    assert abs((xp.bone_age_months - xp.boneage_true).abs().mean() - x.loc['MAE', 'value']) < 0.01
    assert (tmp_path/'eval'/'external_evaluation.png').exists()
    # where it fails: the largest validation errors, worst first, as predicted above; the error split by the crop flag adds up
    pr = pd.read_csv(tmp_path/'eval'/'predictions.csv'); va = pr[pr.split == 'valid']
    w = pd.read_csv(tmp_path/'eval'/'largest_errors_valid.csv')
    assert len(w) == min(18, len(va)) and w.error.abs().is_monotonic_decreasing and (w.error - (w.pred - w.boneage)).abs().max() < 1e-4
    assert w.error.abs().min() >= (va.pred - va.boneage).abs().nlargest(len(w)).min() - 1e-4 and w.crop_kept.between(0, 1).all()
    cc = pd.read_csv(tmp_path/'eval'/'crop_check.csv')
    assert cc.groupby('split').n.sum().to_dict() == pr.split.value_counts().to_dict() and (cc.groupby('split').error_share.sum() - 1).abs().max() < 1e-6
    assert (tmp_path/'eval'/'largest_errors_valid.png').exists()
    # the error split by the laterality flag adds up too, and the phantoms (left hands) mostly read as they are
    mc = pd.read_csv(tmp_path/'eval'/'mirror_check.csv')
    assert mc.groupby('split').n.sum().to_dict() == pr.split.value_counts().to_dict() and (mc.groupby('split').error_share.sum() - 1).abs().max() < 1e-6
    assert mc[mc.subset == 'rest'].n.sum() > 0.8 * len(pr)
    # the framing check: every framing of 18_framing on the test images, and the image as given through that module's pipeline
    # reads as the evaluation read it (same MAE), so a shift is the framing's, not another pipeline's
    from boneage_core.framing import FRAMINGS
    ft = pd.read_csv(tmp_path/'eval'/'framing_check.csv').set_index('framing')
    assert list(ft.index) == ['as given', *FRAMINGS] and (ft.n == n_test).all() and ft.loc['as given', 'shift'] == 0
    assert abs(ft.loc['as given', 'MAE'] - mae_test) < 1e-3 and (ft.ci_lo <= ft['shift'] + 1e-9).all() and (ft['shift'] <= ft.ci_hi + 1e-9).all()
    assert (tmp_path/'eval'/'framing_shift.png').exists() and (tmp_path/'eval'/'framing_inputs.png').exists()
    # the processing check (18a_processing) on the same test images: every processing, the image as given read as above
    from boneage_core.processing import PROCESSINGS
    pt = pd.read_csv(tmp_path/'eval'/'processing_check.csv').set_index('processing')
    assert list(pt.index) == ['as given', *PROCESSINGS] and (pt.n == n_test).all() and pt.loc['as given', 'shift'] == 0
    assert abs(pt.loc['as given', 'MAE'] - mae_test) < 1e-3 and (pt.mean_abs_shift.iloc[1:] > 0).all()
    pb = pd.read_csv(tmp_path/'eval'/'processing_by_band.csv')   # by age band: every test image once per processing, adding up to the table
    assert (pb.groupby('processing').n.sum() == n_test).all() and set(pb.processing) == set(PROCESSINGS)
    assert (pb.assign(w=pb.n * pb['shift']).groupby('processing').w.sum() / n_test - pt['shift'].drop('as given')).abs().max() < 1e-4
    assert (pd.read_csv(tmp_path/'eval'/'framing_by_band.csv').groupby('framing').n.sum() == n_test).all()
    assert (tmp_path/'eval'/'processing_shift.png').exists() and (tmp_path/'eval'/'processing_inputs.png').exists()
    run('24_interpret.ipynb', tmp_path, model=str(tmp_path/'train'/'model.safetensors'), out=str(tmp_path/'interp'), n_per_band=2, **PH)
    imp = pd.read_csv(tmp_path/'interp'/'importance_per_image.csv')
    assert set(imp.method) == {'gradcam', 'occlusion'} and imp.density.notna().all() and imp.region.nunique() == 6  # phantoms: true bone maps
    assert (tmp_path/'interp'/'heatmaps_by_band.png').exists() and (tmp_path/'interp'/'importance_by_band.csv').exists()
    # region blur: every test phantom (more than the maps' 2 per band), each of its true bones once, summed up per band
    per, tab = pd.read_csv(tmp_path/'interp'/'region_blur_per_image.csv'), pd.read_csv(tmp_path/'interp'/'region_blur_by_band.csv').set_index('region')
    assert per.image.nunique() > imp.image.nunique() and not per.duplicated(['image', 'region']).any() and (per.effect == per['shift'].abs()).all()
    assert list(tab.index) == ['carpals', 'radius_ulna', 'metacarpals', 'proximal_phalanges', 'middle_phalanges', 'distal_phalanges']
    assert ((tab.lo <= tab['all']) & (tab['all'] <= tab.hi)).all() and (tab['all'] > 0).all() and (tab.n == per.groupby('region').size()[tab.index]).all()
    assert abs(tab.loc['carpals', 'all'] - per[per.region == 'carpals'].effect.mean()) < 0.006
    assert (tmp_path/'interp'/'region_blur.png').exists()


def test_architecture_grid(tmp_path):
    run('22_architectures.ipynb', tmp_path, out=str(tmp_path/'arch'), quick=True, size=40, epochs=1, bs=16, **PH)
    t = pd.read_csv(tmp_path/'arch'/'architectures.csv')
    assert len(t) == 4 and set(t.sex_input) == {True, False} and t.MAE.notna().all()
    assert (tmp_path/'arch'/'architectures.png').exists()


def test_resolution_study(tmp_path):
    run('25_resolution.ipynb', tmp_path, out=str(tmp_path/'res'), arch='resnet10t', size=40, epochs=1, bs=16, seeds=[7, 8], source_pxs=None, n_boot=100, **PH)
    t, p = pd.read_csv(tmp_path/'res'/'resolution.csv'), pd.read_csv(tmp_path/'res'/'resolution_paired.csv')
    native = t.source_px.max()                                    # the phantoms as they come, then 4 steps of sqrt(2) below the 40-px input
    assert list(t.source_px) == [native, 28, 20, 14, 10] * 2 and list(t.seed) == [7] * 5 + [8] * 5
    assert t.MAE.notna().all() and t.test_MAE.notna().all() and (t.ci_lo <= t.MAE).all() and (t.MAE <= t.ci_hi).all()
    assert t.run.str.startswith('runs/seed-').all()
    assert len(p) == 2 * 4 * 2 and set(p.split) == {'valid', 'test'}  # per seed, each run against the next sharper one, on both splits
    v = p[(p.split == 'valid') & (p.seed == 8) & (p.source_px == 14)].iloc[0]
    assert v.vs_px == 20 and abs(v.mae_1 - t[(t.seed == 8) & (t.source_px == 14)].MAE.item()) < 1e-9
    assert (tmp_path/'res'/'resolution.png').exists() and (tmp_path/'res'/'resolution_inputs.png').exists()


def test_data_size_study(tmp_path):
    run('26_data_size.ipynb', tmp_path, out=str(tmp_path/'size'), arch='resnet10t', size=40, epochs=1, bs=16, seeds=[7, 8], fracs=[1, 0.5, 0.25], n_boot=100, **PH)
    t, p = pd.read_csv(tmp_path/'size'/'data_size.csv'), pd.read_csv(tmp_path/'size'/'data_size_paired.csv')
    assert list(t.seed) == [7] * 3 + [8] * 3 and t.MAE.notna().all() and t.test_MAE.notna().all() and (t.ci_lo <= t.MAE).all()
    for _, s in t.groupby('seed'): assert s.n_train.is_monotonic_decreasing and s.n_train.nunique() == 3   # all of the training split, a half, a quarter
    assert t.run.str.match(r'runs/seed-\d/train-').all()
    assert len(p) == 2 * 2 * 2 and set(p.split) == {'valid', 'test'}   # per seed, each share against the next larger one, on both splits
    v = p[(p.split == 'test') & (p.seed == 8)].sort_values('n_train').iloc[0]
    assert v.vs_n == t[t.seed == 8].n_train.iloc[1] and abs(v.mae_1 - t[(t.seed == 8) & (t.n_train == v.n_train)].test_MAE.item()) < 1e-9
    assert (tmp_path/'size'/'data_size.png').exists()
    # a second study reuses the first one's full runs of the same recipe (as the real study reuses the resolution study's)
    run('26_data_size.ipynb', tmp_path, out=str(tmp_path/'size2'), arch='resnet10t', size=40, epochs=1, bs=16, seeds=[8], fracs=[1, 0.5], n_boot=100,
        runs_from=str(tmp_path/'size'/'runs'), **PH)
    t2 = pd.read_csv(tmp_path/'size2'/'data_size.csv')
    assert (tmp_path/'size2'/'runs'/'seed-8'/'train-1').is_symlink() and not (tmp_path/'size2'/'runs'/'seed-8'/'train-0.5').is_symlink()
    assert abs(t2.MAE.iloc[0] - t[t.seed == 8].MAE.iloc[0]) < 1e-9 and t2.n_train.tolist() == t[t.seed == 8].n_train.iloc[:2].tolist()
