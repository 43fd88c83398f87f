// What the worker loads: every workflow, nothing else (this file is bundled for the sandbox).
export { ScanWorkflow } from './scan.ts';
export { VerificationWorkflow } from './verification.ts';
export { ReportExportWorkflow, ReportShareWorkflow } from './report-export.ts';
export { SweeperWorkflow } from './sweeper.ts';
export { IntegrationSyncWorkflow } from './integration-sync.ts';
export { NotificationWorkflow } from './notification.ts';
export { SiteCrawlWorkflow } from './site-crawl.ts';
export { ScheduledAuditWorkflow } from './scheduled-audit.ts';
