/**
 * Activity failure types a retry cannot fix (the workflows' retry policies name them). A page that
 * broke its browser's memory, CPU or time limit would break it again.
 */
export const PERMANENT_FAILURE_TYPES = ['TargetRefused', 'TargetClientError', 'NotHtml', 'BrowserLimitExceeded'];
