/**
 * The spot-check stage's routing decision: a batch whose audited defect rate is above
 * `maxDefectRate` has its model fields regenerated on the audit backend.
 */
export function auditRoute(defectRate: number, maxDefectRate: number, backend: string): { regenerate: boolean; reason: string } {
  const regenerate = defectRate > maxDefectRate;
  return { regenerate, reason: regenerate ? `audit defect rate ${defectRate.toFixed(2)} > maxDefectRate ${maxDefectRate}: regenerate on ${backend}` : `audit defect rate ${defectRate.toFixed(2)} <= maxDefectRate ${maxDefectRate}: keep` };
}
