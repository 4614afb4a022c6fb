/** Which side a hypothesis test looks at, with SciPy's names so reference values map one to one. */
export type Alternative = 'two-sided' | 'less' | 'greater';

/** Whether a rank test used its exact null distribution or the normal approximation. */
export type TestMethod = 'exact' | 'asymptotic';

export interface TestResult {
  statistic: number;
  pValue: number;
  method: TestMethod;
}
