/** The budget's one line in the terminal summary and the PR comment. Pure. */
import { durationText } from '../load/budget-plan.js';
import type { BudgetResult } from './results.js';

/**
 * "used 1m 42s of a 3m budget; stopped: all targets decided". `stoppingReason` is put in as given:
 * a renderer passes it escaped for its format.
 */
export function budgetLine(budget: BudgetResult, stoppingReason: string): string {
  return `used ${durationText(budget.usedMs)} of a ${durationText(budget.plannedMs)} budget; stopped: ${stoppingReason}`;
}

/** The same line as a sentence: "Used 1m 42s of a 3m budget; stopped: all targets decided". */
export function budgetSentence(budget: BudgetResult, stoppingReason: string): string {
  const line = budgetLine(budget, stoppingReason);
  return `${line.charAt(0).toUpperCase()}${line.slice(1)}`;
}
