"""Reference values for test/stats/calibration.test.ts: Welch's t-test from SciPy.
Run: python3 scripts/reference/welch-reference.py (SciPy >= 1.6 for `alternative`)."""
import scipy
from scipy import stats

cases = {
    "small": ([3.1, 2.9, 3.6, 3.3, 3.0], [2.7, 2.8, 2.5, 3.1]),
    "unequal": ([10.0, 12.5, 9.8, 15.1, 11.2, 13.7, 10.9], [9.9, 10.1, 10.0, 10.2]),
    "reversed": ([1.0, 1.2, 0.9], [1.5, 1.7, 1.4, 1.9, 1.6]),
}
print("scipy", scipy.__version__)
for name, (x, y) in cases.items():
    r = stats.ttest_ind(x, y, equal_var=False, alternative="greater")
    print(name, repr(float(r.statistic)), repr(float(r.df)), repr(float(r.pvalue)))
