#!/usr/bin/python3
"""Cross-validate the CareLedger.Analytics models' scikit-learn counterparts on the same folds.

Reads data/clinical/{wdbc,pima}.csv and the fold files {wdbc,pima}.folds.csv that the C# StratifiedFolds wrote
(stratified, SplitMix64 seed 20261125, 10 folds), applies the same preprocessing as the ML.NET pipeline, and writes
per-fold AUROC to data/clinical/sklearn_auroc.csv, which the C# tests compare against.

Preprocessing, fitted on each training fold only (as in ModelTrainer):
  * Pima: 0 in glucose, pressure, triceps, insulin, mass means "not measured" -> NaN;
  * missing values -> training-fold mean (ML.NET ReplaceMissingValues(Mean); it has no median mode);
  * standardisation (x - mean) / population SD (ML.NET NormalizeMeanVariance(fixZero: false)).
Models:
  * logistic-regression: L2, C = 1 (ML.NET L2Regularization = 1 / C, L1 = 0), lbfgs, tight tolerance;
  * fast-tree: GradientBoostingClassifier with the trainer's tree settings (100 trees, 8 leaves, >= 20 rows per leaf,
    learning rate 0.05) -- the nearest scikit-learn analogue, not the same algorithm;
  * logistic-regression-median (Pima only, for reference): median instead of mean imputation.

Run from the repository root with Debian's python3-sklearn:  /usr/bin/python3 scripts/compare_sklearn.py
"""
import csv
import os
import sys

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "clinical")
PIMA_ZERO_MEANS_MISSING = ["glucose", "pressure", "triceps", "insulin", "mass"]


def read_table(name, label_column, positive):
    with open(os.path.join(DATA, name + ".csv"), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    label_index = header.index(label_column)
    features = [h for i, h in enumerate(header) if i != label_index]
    x = np.array([[float(v) for i, v in enumerate(r) if i != label_index] for r in body])
    y = np.array([1 if r[label_index] == positive else 0 for r in body])
    return features, x, y


def read_folds(name):
    with open(os.path.join(DATA, name + ".folds.csv"), newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["row", "fold"], "fold file header must be row,fold"
    folds = np.array([int(r[1]) for r in rows[1:]])
    assert [int(r[0]) for r in rows[1:]] == list(range(len(folds))), "fold file rows must be 0..n-1"
    return folds


def models():
    return {
        "logistic-regression": lambda: make_pipeline(
            SimpleImputer(strategy="mean"), StandardScaler(),
            LogisticRegression(C=1.0, penalty="l2", solver="lbfgs", tol=1e-10, max_iter=100000)),
        "fast-tree": lambda: make_pipeline(
            SimpleImputer(strategy="mean"), StandardScaler(),
            GradientBoostingClassifier(n_estimators=100, max_leaf_nodes=8, min_samples_leaf=20,
                                       learning_rate=0.05, random_state=0)),
        "logistic-regression-median": lambda: make_pipeline(
            SimpleImputer(strategy="median"), StandardScaler(),
            LogisticRegression(C=1.0, penalty="l2", solver="lbfgs", tol=1e-10, max_iter=100000)),
    }


def main():
    wdbc = read_table("wdbc", "diagnosis", "M")
    pima_features, pima_x, pima_y = read_table("pima", "diabetes", "pos")
    for column in PIMA_ZERO_MEANS_MISSING:
        j = pima_features.index(column)
        pima_x[pima_x[:, j] == 0, j] = np.nan
    datasets = {"wdbc": (wdbc[1], wdbc[2]), "pima": (pima_x, pima_y)}

    results = []
    for dataset, (x, y) in datasets.items():
        folds = read_folds(dataset)
        assert len(folds) == len(y), f"{dataset}: fold file and data differ in length"
        for model, make in models().items():
            if model == "logistic-regression-median" and dataset != "pima":
                continue
            for fold in range(folds.max() + 1):
                train, test = folds != fold, folds == fold
                fitted = make().fit(x[train], y[train])
                auroc = roc_auc_score(y[test], fitted.predict_proba(x[test])[:, 1])
                results.append((dataset, model, fold, auroc))

    out = os.path.join(DATA, "sklearn_auroc.csv")
    with open(out, "w", newline="") as f:
        f.write("dataset,model,fold,auroc\n")
        for dataset, model, fold, auroc in results:
            f.write(f"{dataset},{model},{fold},{auroc:.10f}\n")

    import sklearn
    print(f"scikit-learn {sklearn.__version__}; wrote {os.path.relpath(out)}")
    print(f"{'dataset':8} {'model':28} {'mean AUROC':>10} {'SD':>7}")
    for dataset in datasets:
        for model in models():
            values = [a for d, m, _, a in results if d == dataset and m == model]
            if values:
                print(f"{dataset:8} {model:28} {np.mean(values):10.4f} {np.std(values):7.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
