/**
 * src/export: per-track export folders for analysts (enhanced faces labelled as synthesized, LR_0,
 * the crops that formed F_M, a contact sheet, manifests with provenance). Detail: docs/batch-watch-export.md.
 */
export { parseExportOptions, type ExportOptions } from './export-options';
export { exportTracks, type ExportReport, type ExportedTrack } from './export-tracks';
export { contactSheet, type ContactSheetLayout, type ContactSheetTile } from './contact-sheet';
export { csvLine, type CsvValue } from './csv';
export { safeSegment } from './safe-segment';
export { samplerLabelOptions } from './sampler-label-options';
