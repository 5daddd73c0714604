// HTML reports of a fit or a tuning run (issue 10, "Looking").
export { writeReport, type ReportOptions, type FitReportOptions, type TuningReportOptions } from './writeReport';
export type { LabeledData } from './predictions';
