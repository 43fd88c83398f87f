/** A site-auth login recipe that did not sign in (docs/site-auth.md): the same recipe would fail again. */
export const SITE_LOGIN_FAILED = 'SiteLoginFailed';

/**
 * Activity failure types a retry cannot fix (the workflows' retry policies name them). A page that
 * broke its browser's memory, CPU or time limit would break it again.
 */
export const PERMANENT_FAILURE_TYPES = ['TargetRefused', 'TargetClientError', 'NotHtml', 'BrowserLimitExceeded', SITE_LOGIN_FAILED];
