/** @prd/testing: fixtures and helpers for testing prd plugins. */
export { tempDir, pluginContext, withEngine, tableContext } from './context.js';
export { startTestServer, type RecordedRequest, type TestHttpServer, type TestResponse } from './http-server.js';
export { describeConformance, tinyPredictions, type ConformanceOptions } from './conformance.js';
