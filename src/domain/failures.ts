/** Activity failure types a retry cannot fix (the workflows' retry policies name them). */
export const PERMANENT_FAILURE_TYPES = ['TargetRefused', 'TargetClientError', 'NotHtml'];
