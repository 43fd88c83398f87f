/**
 * The part of the official SARIF 2.1.0 JSON schema (OASIS, sarif-schema-2.1.0.json, draft-07)
 * that covers every object Sitewarden writes, written out for the tests (no network, and no npm
 * package ships the schema). Each definition keeps the official one's properties, types, enums,
 * formats, minimums, `required` and `additionalProperties: false`, so a misspelt or misplaced
 * property fails as it would against the full schema. Objects Sitewarden never writes
 * (codeFlows, fixes, graphs, …) are left out, so they are rejected here.
 */
const guid = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$' };
const level = { enum: ['none', 'note', 'warning', 'error'] };
const bag = { $ref: '#/definitions/propertyBag' };

export const sarifSchemaSubset = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', format: 'uri' },
    version: { enum: ['2.1.0'] },
    runs: { type: 'array', minItems: 0, items: { $ref: '#/definitions/run' } },
    properties: bag,
  },
  required: ['version', 'runs'],
  definitions: {
    propertyBag: {
      type: 'object',
      additionalProperties: true,
      properties: { tags: { type: 'array', uniqueItems: true, items: { type: 'string' } } },
    },
    message: {
      type: 'object',
      additionalProperties: false,
      properties: { text: { type: 'string' }, markdown: { type: 'string' }, id: { type: 'string' }, arguments: { type: 'array', items: { type: 'string' } }, properties: bag },
      anyOf: [{ required: ['text'] }, { required: ['id'] }],
    },
    multiformatMessageString: {
      type: 'object',
      additionalProperties: false,
      properties: { text: { type: 'string' }, markdown: { type: 'string' }, properties: bag },
      required: ['text'],
    },
    artifactLocation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        uri: { type: 'string', format: 'uri-reference' },
        uriBaseId: { type: 'string' },
        index: { type: 'integer', minimum: -1 },
        description: { $ref: '#/definitions/message' },
        properties: bag,
      },
    },
    region: {
      type: 'object',
      additionalProperties: false,
      properties: {
        startLine: { type: 'integer', minimum: 1 },
        startColumn: { type: 'integer', minimum: 1 },
        endLine: { type: 'integer', minimum: 1 },
        endColumn: { type: 'integer', minimum: 1 },
        charOffset: { type: 'integer', minimum: -1 },
        charLength: { type: 'integer', minimum: 0 },
        byteOffset: { type: 'integer', minimum: -1 },
        byteLength: { type: 'integer', minimum: 0 },
        message: { $ref: '#/definitions/message' },
        sourceLanguage: { type: 'string' },
        properties: bag,
      },
    },
    physicalLocation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        artifactLocation: { $ref: '#/definitions/artifactLocation' },
        region: { $ref: '#/definitions/region' },
        contextRegion: { $ref: '#/definitions/region' },
        properties: bag,
      },
    },
    location: {
      type: 'object',
      additionalProperties: false,
      properties: {
        id: { type: 'integer', minimum: -1 },
        physicalLocation: { $ref: '#/definitions/physicalLocation' },
        message: { $ref: '#/definitions/message' },
        annotations: { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/region' } },
        properties: bag,
      },
    },
    reportingConfiguration: {
      type: 'object',
      additionalProperties: false,
      properties: { enabled: { type: 'boolean' }, level, rank: { type: 'number', minimum: -1, maximum: 100 }, parameters: bag, properties: bag },
    },
    reportingDescriptor: {
      type: 'object',
      additionalProperties: false,
      properties: {
        id: { type: 'string' },
        deprecatedIds: { type: 'array', uniqueItems: true, items: { type: 'string' } },
        guid,
        name: { type: 'string' },
        shortDescription: { $ref: '#/definitions/multiformatMessageString' },
        fullDescription: { $ref: '#/definitions/multiformatMessageString' },
        messageStrings: { type: 'object', additionalProperties: { $ref: '#/definitions/multiformatMessageString' } },
        defaultConfiguration: { $ref: '#/definitions/reportingConfiguration' },
        helpUri: { type: 'string', format: 'uri' },
        help: { $ref: '#/definitions/multiformatMessageString' },
        properties: bag,
      },
      required: ['id'],
    },
    toolComponent: {
      type: 'object',
      additionalProperties: false,
      properties: {
        guid,
        name: { type: 'string' },
        organization: { type: 'string' },
        product: { type: 'string' },
        fullName: { type: 'string' },
        version: { type: 'string' },
        semanticVersion: { type: 'string' },
        informationUri: { type: 'string', format: 'uri' },
        rules: { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/reportingDescriptor' } },
        properties: bag,
      },
      required: ['name'],
    },
    tool: {
      type: 'object',
      additionalProperties: false,
      properties: { driver: { $ref: '#/definitions/toolComponent' }, extensions: { type: 'array', items: { $ref: '#/definitions/toolComponent' } }, properties: bag },
      required: ['driver'],
    },
    invocation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        commandLine: { type: 'string' },
        startTimeUtc: { type: 'string', format: 'date-time' },
        endTimeUtc: { type: 'string', format: 'date-time' },
        exitCode: { type: 'integer' },
        executionSuccessful: { type: 'boolean' },
        properties: bag,
      },
      required: ['executionSuccessful'],
    },
    runAutomationDetails: {
      type: 'object',
      additionalProperties: false,
      properties: { description: { $ref: '#/definitions/message' }, id: { type: 'string' }, guid, correlationGuid: guid, properties: bag },
    },
    result: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ruleId: { type: 'string' },
        ruleIndex: { type: 'integer', minimum: -1 },
        kind: { enum: ['notApplicable', 'pass', 'fail', 'review', 'open', 'informational'] },
        level,
        message: { $ref: '#/definitions/message' },
        analysisTarget: { $ref: '#/definitions/artifactLocation' },
        locations: { type: 'array', minItems: 0, items: { $ref: '#/definitions/location' } },
        guid,
        occurrenceCount: { type: 'integer', minimum: 1 },
        partialFingerprints: { type: 'object', additionalProperties: { type: 'string' } },
        fingerprints: { type: 'object', additionalProperties: { type: 'string' } },
        relatedLocations: { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/location' } },
        baselineState: { enum: ['new', 'unchanged', 'updated', 'absent'] },
        rank: { type: 'number', minimum: -1, maximum: 100 },
        hostedViewerUri: { type: 'string', format: 'uri' },
        properties: bag,
      },
      required: ['message'],
    },
    run: {
      type: 'object',
      additionalProperties: false,
      properties: {
        tool: { $ref: '#/definitions/tool' },
        invocations: { type: 'array', items: { $ref: '#/definitions/invocation' } },
        language: { type: 'string' },
        results: { type: 'array', minItems: 0, items: { $ref: '#/definitions/result' } },
        automationDetails: { $ref: '#/definitions/runAutomationDetails' },
        baselineGuid: guid,
        columnKind: { enum: ['utf16CodeUnits', 'unicodeCodePoints'] },
        properties: bag,
      },
      required: ['tool'],
    },
  },
} as const;
