export { schemaDrift, type SchemaDriftOptions, type DriftReport, type DriftItem, type DriftKind, type InFlightItem } from './drift.js';
